#!/usr/bin/env node
import 'reflect-metadata';
import { ConfigError, loadReceiverConfig } from './config/receiver.config';
import { createReceiverApp } from './receiver.app';

async function main(): Promise<void> {
  let config;
  try {
    config = loadReceiverConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`cis490-trainer-receiver: ${error.message}\n`);
    process.exit(2);
  }
  const app = await createReceiverApp(config);
  await app.listen({ host: config.listenHost, port: config.port });
  const { port } = app.getHttpServer().address() as { port: number };
  const scheme = config.tls ? 'https' : 'http';
  process.stdout.write(`cis490-trainer-receiver listening on ${scheme}://${config.listenHost}:${port} (docs at /docs)\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`cis490-trainer-receiver: ${error.message}\n`);
  process.exit(1);
});
