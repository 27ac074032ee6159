import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const BIN = {
  receiver: join(ROOT, 'dist/apps/receiver/src/main.js'),
  worker: join(ROOT, 'dist/apps/worker/src/main.js'),
  cli: join(ROOT, 'dist/apps/cli/src/main.js'),
};
export const TRAINER = join(ROOT, 'examples/trainer/train.js');
export const TEST_OPERATOR_TOKEN = 'operator-secret-1';

/** A loopback port nothing listens on (yet): bound once, then released. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ReceiverProcess {
  url: string;
  port: number;
  dir: string;
  dataDir: string;
  manifestPath: string;
  child: ChildProcess;
  /** Everything the receiver printed so far. */
  output(): string;
  /** SIGTERM (or the given signal) and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Start it again on the same data dir and port. */
  restart(): Promise<void>;
  /** Stop and remove the temp dir. */
  close(): Promise<void>;
}

/**
 * A real receiver process (the built dist) on a fresh data dir and a free port.
 * `npm test` builds first; run `npm run build` before running one spec by hand.
 */
export async function spawnReceiver(
  manifest: string,
  env: Record<string, string> = {},
  opts: { dir?: string; port?: number } = {},
): Promise<ReceiverProcess> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'cis490-rx-'));
  const dataDir = join(dir, 'var');
  const manifestPath = join(dir, 'training_manifest.toml');
  if (!opts.dir) writeFileSync(manifestPath, manifest);
  let log = '';
  let child!: ChildProcess;
  let port = opts.port ?? 0;

  const start = async () => {
    log = '';
    child = spawn(process.execPath, [BIN.receiver], {
      env: {
        PATH: process.env.PATH,
        TZ: 'UTC',
        CIS490_PORT: String(port),
        CIS490_DATA_DIR: dataDir,
        CIS490_MANIFEST: manifestPath,
        CIS490_OPERATOR_TOKEN: TEST_OPERATOR_TOKEN,
        CIS490_LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (log += d));
    child.stderr!.on('data', (d) => (log += d));
    port = await new Promise<number>((resolvePort, reject) => {
      const timer = setTimeout(() => reject(new Error(`receiver did not start:\n${log}`)), 30_000);
      const onData = () => {
        const m = /listening on https?:\/\/[^:]+:(\d+)/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolvePort(Number(m[1]));
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`receiver exited with ${code}:\n${log}`));
      });
    });
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };

  await start();
  const rp: ReceiverProcess = {
    // With CIS490_TLS_CERT the receiver serves HTTPS only; its certificate must name 127.0.0.1.
    get url() {
      return `${env.CIS490_TLS_CERT ? 'https' : 'http'}://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    dir,
    dataDir,
    manifestPath,
    get child() {
      return child;
    },
    output: () => log,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return rp;
}
