import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ReceiverClient } from '@cis490/client';
import type { JobProgress } from '@cis490/contract';
import { api, claimOne } from './http';
import { jobsToml } from './manifest.fixtures';
import { Harness, OPERATOR_TOKEN, startReceiver } from './receiver.harness';

const MANIFEST = jobsToml([{ model: 'gbt', mode: 'realistic', seed: 1 }]);
const HOST = '127.0.0.1';

/**
 * A real receiver in this process on a loopback port, with its one job claimed
 * over HTTP as a worker claims it: what a worker's forwarders talk to. It can
 * be stopped and started again on the same data and port, as a restarted
 * receiver is.
 */
export class LiveReceiver {
  readonly workerId = 'lab1';

  private constructor(
    private readonly first: Harness,
    private current: Harness | null,
    private readonly env: Record<string, string>,
    readonly url: string,
    readonly jobId: string,
  ) {}

  /** `env`: the receiver's own, e.g. CIS490_MAX_LOG_BYTES. */
  static async start(env: Record<string, string> = {}): Promise<LiveReceiver> {
    const h = await startReceiver(MANIFEST, env);
    await h.app.listen({ host: HOST, port: 0 });
    const url = `http://${HOST}:${(h.app.getHttpServer().address() as AddressInfo).port}`;
    const job = await claimOne(url, 'lab1');
    return new LiveReceiver(h, h, env, url, job.id);
  }

  /** A client of this receiver (or of `baseUrl`, a proxy in front of it), with the operator's token too. */
  client(baseUrl = this.url): ReceiverClient {
    return new ReceiverClient({ baseUrl, operatorToken: OPERATOR_TOKEN, timeoutMs: 5_000 });
  }

  /** The job's current log, as `GET /v1/job/{id}/log` serves it. */
  async log(): Promise<{ text: string; size: number }> {
    const res = await fetch(`${this.url}/v1/job/${this.jobId}/log`);
    if (res.status !== 200) throw new Error(`GET log → ${res.status}`);
    return { text: await res.text(), size: Number(res.headers.get('x-log-size')) };
  }

  /** The job's progress points, as `GET /v1/job/{id}/progress` serves them. */
  async progress(): Promise<JobProgress['points']> {
    return (await api<JobProgress>(`${this.url}/v1/job/${this.jobId}/progress`)).points;
  }

  /** Where the receiver keeps the job's log: the file is the truth about its bytes. */
  get logFile(): string {
    return join(this.first.config.dataDir, 'logs', this.jobId, '1.log');
  }

  /** Closes the receiver: nothing listens on its port until `restart`. */
  async stop(): Promise<void> {
    await this.current?.app.close();
    this.current = null;
  }

  /** Another receiver on the same data and port. */
  async restart(): Promise<void> {
    const h = await startReceiver(MANIFEST, { ...this.env, CIS490_DATA_DIR: this.first.config.dataDir });
    await h.app.listen({ host: HOST, port: Number(new URL(this.url).port) });
    this.current = h;
  }

  async close(): Promise<void> {
    await this.current?.close();
    this.current = null;
    rmSync(this.first.dir, { recursive: true, force: true });
  }
}
