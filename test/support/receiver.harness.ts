import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadReceiverConfig, ReceiverConfig } from '../../apps/receiver/src/config/receiver.config';
import { createReceiverApp } from '../../apps/receiver/src/receiver.app';
import type { Capability } from '@cis490/contract';
import { capability as baseCapability, cudaCapability } from './capability.fixtures';
import { type Driver, freshDatabase } from './postgres';

export const OPERATOR_TOKEN = 'operator-secret-1';

export interface Harness {
  app: NestFastifyApplication;
  config: ReceiverConfig;
  dir: string;
  manifestPath: string;
  /** Rewrites the manifest file (reload it through the API). */
  writeManifest(toml: string): void;
  /** Stops the receiver and starts another on the same data dir and database: `app` is then the new one. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A receiver on a fresh SQLite file in a temp dir (or, with `driver`
 * postgres, a fresh PostgreSQL database), migrations applied, not listening
 * (use app.inject).
 */
export async function startReceiver(
  manifest: string,
  env: Record<string, string> = {},
  driver: Driver = 'sqlite',
): Promise<Harness> {
  const database = driver === 'postgres' ? await freshDatabase() : null;
  const dir = mkdtempSync(join(tmpdir(), 'cis490-receiver-'));
  const manifestPath = join(dir, 'training_manifest.toml');
  writeFileSync(manifestPath, manifest);
  const config = loadReceiverConfig({
    CIS490_DATA_DIR: join(dir, 'var'),
    CIS490_MANIFEST: manifestPath,
    CIS490_OPERATOR_TOKEN: OPERATOR_TOKEN,
    ...(database && { CIS490_DATABASE_URL: database.url }),
    ...env,
  });
  const harness: Harness = {
    app: await createReceiverApp(config, { logger: false }),
    config,
    dir,
    manifestPath,
    writeManifest: (toml) => writeFileSync(manifestPath, toml),
    restart: async () => {
      await harness.app.close();
      harness.app = await createReceiverApp(config, { logger: false });
    },
    close: async () => {
      await harness.app.close();
      rmSync(dir, { recursive: true, force: true });
      await database?.drop();
    },
  };
  return harness;
}

/** A CPU host's capability (4 cores, 16 GiB) for HTTP-level tests. */
export function capability(over: Partial<Capability> = {}): Capability {
  return baseCapability({ cores: 4, ram_gib: 16, ...over });
}

export const gpuCapability = cudaCapability;

export function claimBody(workerId: string, over: Record<string, unknown> = {}) {
  const hostname = (over.hostname as string) ?? workerId;
  return {
    worker_id: workerId,
    hostname,
    capability: capability({ hostname }),
    ...over,
  };
}

export const operator = { 'x-operator-token': OPERATOR_TOKEN };
