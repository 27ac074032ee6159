import { ConsoleLogger, LogLevel, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { OPERATOR_TOKEN_HEADER } from '../../../libs/auth/src';
import { ReceiverConfig } from './config/receiver.config';
import { MetricsService } from './metrics.service';
import { ReceiverModule } from './receiver.module';
import { VERSION } from './version';

/** JSON bodies above this answer 413 (SPEC §3); bundles are streamed and limited separately. */
const JSON_BODY_LIMIT = 1024 * 1024;
const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

function httpsOptions(config: ReceiverConfig) {
  if (!config.tls) return undefined;
  const { cert, key, ca } = config.tls;
  return {
    cert: readFileSync(cert),
    key: readFileSync(key),
    ...(ca ? { ca: readFileSync(ca), requestCert: true, rejectUnauthorized: true } : {}),
  };
}

/** Builds the receiver (not yet listening): used by main and by the tests alike. */
export async function createReceiverApp(
  config: ReceiverConfig,
  options: { logger?: false | LogLevel[] } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: JSON_BODY_LIMIT,
    https: httpsOptions(config),
    // Ids are 64 hex characters; anything much longer is not a route.
    routerOptions: { maxParamLength: 256 },
  });
  // Bundles reach the controller as the raw request stream, never buffered.
  adapter.getInstance().addContentTypeParser(
    ['application/zstd', 'application/octet-stream'],
    (_request, payload, done) => done(null, payload),
  );

  // Plain lines under journald; colours only on a terminal.
  const logger =
    options.logger ??
    new ConsoleLogger({
      logLevels: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.logLevel as LogLevel) + 1),
      colors: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
      prefix: 'cis490-receiver',
    });
  const app = await NestFactory.create<NestFastifyApplication>(ReceiverModule.forRoot(config), adapter, {
    logger,
  });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.enableShutdownHooks();

  const metrics = app.get(MetricsService);
  adapter.getInstance().addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: reply.statusCode },
      reply.elapsedTime / 1000,
    );
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('cis490-trainer-receiver')
      .setDescription('The training fleet receiver: job queue, artifact store and operator API.')
      .setVersion(VERSION)
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'CIS490_WORKER_TOKEN, when set on the receiver' })
      .addApiKey({ type: 'apiKey', in: 'header', name: OPERATOR_TOKEN_HEADER, description: 'CIS490_OPERATOR_TOKEN' }, 'operator')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });

  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
