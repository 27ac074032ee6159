import { Injectable } from '@nestjs/common';
import { constants as fsc, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { createCompressStream, createDecompressStream, isZstdMagic } from '@cis490/artifacts';
import { CapabilityDetector, type HostDetection } from '@cis490/capability';
import { type ClientTls, describeTlsProblem, probeTls, readClientTls, ReceiverClientFactory, ReceiverUnreachableError } from '@cis490/client';
import { describeCapability } from '../capability.format';
import { trainerCheckout, trainerScript } from '../trainer-command';
import type { WorkerConfig } from '../worker.config';

/** One line of the checklist. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

const RECEIVER_CHECK_TIMEOUT_MS = 5_000;

/** `ok   name: detail` / `FAIL name: detail`. */
export const formatCheck = (c: CheckResult): string => `${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`;

/**
 * The self-test checklist (SPEC §5). `run` performs the local items before
 * its first claim; `self-test` adds the receiver.
 */
@Injectable()
export class SelfTestService {
  constructor(
    private readonly detector: CapabilityDetector,
    private readonly clients: ReceiverClientFactory,
  ) {}

  /** Every item, in the checklist's order. */
  async all(config: WorkerConfig, env: NodeJS.ProcessEnv = process.env): Promise<CheckResult[]> {
    const { capability } = await this.capability(config, env);
    return [
      capability,
      await this.receiverReachable(config),
      await this.trainerRunnable(config, env),
      await this.workDirWritable(config),
      await this.zstdWorks(),
    ];
  }

  /** What needs no receiver; also returns the detected capability for the claims. */
  async local(
    config: WorkerConfig,
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<{ checks: CheckResult[]; detected?: HostDetection }> {
    const { capability, detected } = await this.capability(config, env);
    const checks = [capability, await this.trainerRunnable(config, env), await this.workDirWritable(config), await this.zstdWorks()];
    return { checks, detected };
  }

  private async capability(config: WorkerConfig, env: NodeJS.ProcessEnv): Promise<{ capability: CheckResult; detected?: HostDetection }> {
    try {
      const detected = await this.detector.detectHost({ trainerDir: trainerCheckout(config.trainerArgv), env });
      return { capability: { name: 'capability', ok: true, detail: describeCapability(detected.capability) }, detected };
    } catch (err) {
      return { capability: { name: 'capability', ok: false, detail: (err as Error).message } };
    }
  }

  /**
   * Asks each receiver of the list for its health, all at once. With several,
   * the item passes when one answers (the worker fails over to it) and names
   * each receiver with what it said, so one that is down or mistyped shows.
   */
  async receiverReachable(config: WorkerConfig): Promise<CheckResult> {
    const name = 'receiver reachable';
    const urls = config.receiverUrls;
    const tls = readClientTls(config.tls);
    const answers = await Promise.all(urls.map((url) => this.receiverHealth(url, tls)));
    if (answers.length === 1) return { name, ...answers[0] };
    const answered = answers.filter((a) => a.ok).length;
    const each = answers.map((a, i) => (a.ok ? a.detail : `${urls[i]} did not answer: ${a.reason}`)).join('; ');
    return { name, ok: answered > 0, detail: `${answered} of ${urls.length} answered: ${each}` };
  }

  /**
   * An https receiver's TLS handshake is tried first, on its own (SPEC §12):
   * a certificate either side rejects is named with what to do, rather than
   * left to read as a receiver that is down.
   */
  private async receiverHealth(url: string, tls?: ClientTls): Promise<{ ok: boolean; detail: string; reason?: string }> {
    let handshake = '';
    if (url.startsWith('https:')) {
      const probe = await probeTls(url, tls, RECEIVER_CHECK_TIMEOUT_MS);
      if (!probe.ok && probe.problem) {
        const reason = `TLS handshake failed: ${describeTlsProblem(probe.problem)}`;
        return { ok: false, detail: `${url}: ${reason}`, reason };
      }
      if (probe.ok) {
        const as = tls?.certName ? `client certificate CN=${tls.certName}` : 'no client certificate';
        handshake = `, ${probe.protocol} with ${as}`;
      }
    }
    const client = this.clients.create({ baseUrl: url, timeoutMs: RECEIVER_CHECK_TIMEOUT_MS, retry: false, tls });
    try {
      const health = await client.health();
      return { ok: true, detail: `${url} (receiver ${health.version}, ${health.counts?.pending ?? 0} jobs pending${handshake})` };
    } catch (err) {
      const reason = err instanceof ReceiverUnreachableError ? err.reason : (err as Error).message;
      return { ok: false, detail: (err as Error).message, reason };
    } finally {
      await client.close();
    }
  }

  async trainerRunnable(config: WorkerConfig, env: NodeJS.ProcessEnv): Promise<CheckResult> {
    const name = 'trainer runnable';
    const argv = config.trainerArgv;
    if (argv.length === 0) return { name, ok: false, detail: 'CIS490_TRAINER_CMD is not set' };
    const program = await findExecutable(argv[0], env);
    if (program === null) {
      const where = argv[0].includes('/') ? 'is not an executable file' : 'is not an executable on PATH';
      return { name, ok: false, detail: `${argv[0]} ${where}` };
    }
    const script = trainerScript(argv);
    if (script !== null && !(await isFile(path.resolve(script)))) {
      return { name, ok: false, detail: `the script ${script} does not exist` };
    }
    return { name, ok: true, detail: `${config.trainerCmd} (${program})` };
  }

  async workDirWritable(config: WorkerConfig): Promise<CheckResult> {
    const name = 'work dir writable';
    const probe = path.join(config.workDir, `.self-test-${process.pid}`);
    try {
      await fsp.mkdir(config.workDir, { recursive: true });
      await fsp.writeFile(probe, 'ok');
      await fsp.rm(probe);
      return { name, ok: true, detail: config.workDir };
    } catch (err) {
      return { name, ok: false, detail: `${config.workDir}: ${(err as Error).message}` };
    }
  }

  /** A round trip through the same in-process streams that pack the bundles. */
  async zstdWorks(): Promise<CheckResult> {
    const name = 'zstd works';
    try {
      const input = Buffer.concat([randomBytes(16 * 1024), Buffer.alloc(48 * 1024, 'cis490 ')]);
      const compressed = await collect(Readable.from([input]), createCompressStream(3));
      const output = await collect(Readable.from([compressed]), createDecompressStream());
      const ok = isZstdMagic(compressed) && output.equals(input);
      return { name, ok, detail: ok ? `64 KiB round trip, ${compressed.length} bytes compressed` : 'round trip changed the data' };
    } catch (err) {
      return { name, ok: false, detail: (err as Error).message };
    }
  }
}

async function collect(source: Readable, transform: Transform): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await pipeline(source, transform, sink);
  return Buffer.concat(chunks);
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fsp.stat(file)).isFile();
  } catch {
    return false;
  }
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await fsp.access(file, fsc.X_OK);
    return await isFile(file);
  } catch {
    return false;
  }
}

/** Where `program` resolves as spawn would find it: a path as is, a bare name on PATH. */
export async function findExecutable(program: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  if (program.includes('/') || program.includes(path.sep)) {
    return (await isExecutable(program)) ? path.resolve(program) : null;
  }
  const exts = process.platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';')] : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, program + ext);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return null;
}
