import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, ROOT } from './receiver.process';

const PRISM = join(ROOT, 'node_modules/.bin/prism');

/** One entry of Prism's `sl-violations` header. */
export interface Violation {
  location: string[];
  severity: string;
  code?: string | number;
  message: string;
}

export interface ProxiedAnswer {
  status: number;
  contentType: string | null;
  text: string;
  json: any;
  /** What Prism found wrong with the answer (never with the request, which may be bad on purpose). */
  answerViolations: Violation[];
}

/**
 * Stoplight Prism's validation proxy in front of a receiver: every answer
 * passing through it is checked against the OpenAPI document the receiver
 * serves, by a reader that is not ours. Binary bodies do not survive Prism
 * (it re-encodes them), so bundles go straight to the receiver.
 */
export class PrismProxy {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly log: () => string,
  ) {}

  /** Fetches `upstream`'s /docs-json into `dir` and starts `prism proxy` on it. */
  static async start(upstream: string, dir: string): Promise<PrismProxy> {
    const document = join(dir, 'openapi.json');
    const res = await fetch(`${upstream}/docs-json`);
    writeFileSync(document, await res.text());
    const port = await freePort();
    const child = spawn(PRISM, ['proxy', document, upstream, '--host', '127.0.0.1', '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    let output = '';
    const started = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`prism did not start within 60 s:\n${output}`)), 60_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Prism is listening')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', read);
      child.stderr!.on('data', read);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`prism exited with ${code}:\n${output}`));
      });
    });
    await started;
    return new PrismProxy(child, `http://127.0.0.1:${port}`, () => output);
  }

  /** One call through the proxy; `body` is sent as JSON unless `raw` says otherwise. */
  async call(
    method: string,
    path: string,
    init: { body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<ProxiedAnswer> {
    const headers: Record<string, string> = { ...init.headers };
    let body: string | undefined = init.raw;
    if (init.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(init.body);
    }
    const res = await fetch(`${this.url}${path}`, { method, headers, body });
    const text = await res.text();
    const contentType = res.headers.get('content-type');
    let json: any = null;
    if (contentType?.startsWith('application/json') && text) json = JSON.parse(text);
    const violations: Violation[] = JSON.parse(res.headers.get('sl-violations') ?? '[]');
    return {
      status: res.status,
      contentType,
      text,
      json,
      answerViolations: violations.filter((v) => v.location[0] === 'response'),
    };
  }

  /** What Prism printed: the first place to look when a call misbehaves. */
  output(): string {
    return this.log();
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
