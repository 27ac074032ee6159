import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { claimBody } from '../support/receiver.harness';
import { TEST_OPERATOR_TOKEN } from '../support/receiver.process';

export const zstd = (data: string | Buffer): Buffer => {
  const r = spawnSync('zstd', ['-q', '-1', '-c'], { input: data, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr}`);
  return r.stdout as Buffer;
};

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Every file under a dir, relative and sorted: the store's state as a listing. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

export interface RawAnswer {
  /** The HTTP status, or null when the connection failed (see `error`). */
  status: number | null;
  body: string;
  error?: string;
}

/**
 * One request over node:http, path sent exactly as given (fetch would
 * normalize `..` and percent-escapes away). Never rejects: a failed
 * connection comes back as `{ status: null, error }`.
 */
export function rawRequest(
  baseUrl: string,
  opts: { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer; agent?: Agent },
): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (a: RawAnswer) => {
      if (!settled) {
        settled = true;
        resolve(a);
      }
    };
    const headers: Record<string, string | number> = { ...opts.headers };
    if (opts.body !== undefined) headers['content-length'] = Buffer.byteLength(opts.body);
    const req = request(
      { host: url.hostname, port: url.port, method: opts.method, path: opts.path, headers, agent: opts.agent },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => settle({ status: res.statusCode ?? null, body }));
        res.on('error', (err) => settle({ status: res.statusCode ?? null, body, error: String(err) }));
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => settle({ status: null, body: '', error: err.code ?? err.message }));
    req.end(opts.body);
  });
}

/** JSON from the receiver with fetch: status and parsed body, never throwing for a status. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  opts: { operator?: boolean } = {},
): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (opts.operator) headers['x-operator-token'] = TEST_OPERATOR_TOKEN;
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/** Claims one job for `workerId` (a CPU host named after it); fails the test on anything but 200. */
export async function claimOne(baseUrl: string, workerId: string): Promise<any> {
  const r = await call(baseUrl, 'POST', '/v1/job/claim', claimBody(workerId));
  if (r.status !== 200) throw new Error(`claim → ${r.status}: ${JSON.stringify(r.json)}`);
  return r.json.job;
}

/** PUT of a whole bundle with fetch. */
export async function putBundle(baseUrl: string, jobId: string, workerId: string, bundle: Buffer) {
  const res = await fetch(`${baseUrl}/v1/model/${jobId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/zstd', 'x-worker-id': workerId, 'x-content-sha256': sha256(bundle) },
    body: bundle,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/** SIGKILLs a process group, if it is still there. */
export function killGroup(pid: number | null | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Manifest of `n` gbt jobs from one sweep over seeds: the quickest large queue. */
export function sweepManifest(n: number, mode = 'realistic'): string {
  const seeds = Array.from({ length: n }, (_, i) => i).join(', ');
  return `[[sweeps]]\nmodel = "gbt"\nmode = "${mode}"\nseed = [${seeds}]\n`;
}
