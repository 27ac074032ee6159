/** Names on the wire besides the JSON bodies. */

/** Where a worker or the CLI looks for the receiver when nothing says otherwise. */
export const DEFAULT_RECEIVER_URL = 'http://127.0.0.1:8471';

/** The operator's token travels in this header (SPEC §3). */
export const OPERATOR_TOKEN_HEADER = 'x-operator-token';

/** `PUT /v1/model/{id}`: who uploads, and the digest the bytes must have. */
export const WORKER_ID_HEADER = 'x-worker-id';
export const CONTENT_SHA256_HEADER = 'x-content-sha256';

/** `GET /v1/job/{id}/log` names the attempt it serves, and (without follow) the log's size. */
export const LOG_ATTEMPT_HEADER = 'x-log-attempt';
export const LOG_SIZE_HEADER = 'x-log-size';

/**
 * A receiver's base URL as clients use it: http(s), no query or fragment, no
 * trailing slash. Throws an Error whose message says what is wrong.
 */
export function normalizeReceiverUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`must be an http:// or https:// URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`must be an http:// or https:// URL, got ${JSON.stringify(raw)}`);
  }
  if (url.search || url.hash) {
    throw new Error(`must be an http:// or https:// URL without query or fragment, got ${JSON.stringify(raw)}`);
  }
  return url.href.replace(/\/+$/, '');
}
