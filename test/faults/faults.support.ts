import { existsSync, readdirSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';

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
