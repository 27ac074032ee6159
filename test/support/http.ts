import { claimBody } from './receiver.harness';
import { TEST_OPERATOR_TOKEN } from './receiver.process';
import { sha256 } from './bundles';

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

/** JSON from the receiver at a full URL, asserting a 2xx. */
export async function api<T = any>(url: string, init: { method?: string; body?: unknown; operator?: boolean } = {}): Promise<T> {
  const { origin, pathname, search } = new URL(url);
  const method = init.method ?? 'GET';
  const r = await call(origin, method, pathname + search, init.body, init);
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${url} → ${r.status}: ${JSON.stringify(r.json)}`);
  return r.json as T;
}

/** Claims one job for `workerId` (a CPU host named after it); fails the test on anything but 200. */
export async function claimOne(baseUrl: string, workerId: string): Promise<any> {
  const r = await call(baseUrl, 'POST', '/v1/job/claim', claimBody(workerId));
  if (r.status !== 200) throw new Error(`claim → ${r.status}: ${JSON.stringify(r.json)}`);
  return r.json.job;
}

/** PUT of a whole bundle with fetch, its digest announced. */
export async function putBundle(baseUrl: string, jobId: string, workerId: string, bundle: Buffer) {
  const res = await fetch(`${baseUrl}/v1/model/${jobId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/zstd', 'x-worker-id': workerId, 'x-content-sha256': sha256(bundle) },
    body: bundle,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}
