import { TEST_OPERATOR_TOKEN } from './receiver.process';

/** JSON from the receiver, asserting a 2xx. */
export async function api<T = any>(url: string, init: { method?: string; body?: unknown; operator?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.operator) headers['x-operator-token'] = TEST_OPERATOR_TOKEN;
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}
