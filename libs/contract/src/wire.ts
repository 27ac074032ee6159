/** Names on the wire besides the JSON bodies. */
import { quoteUnlessCredential } from './secrets';

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
  const bad = (rule: string) => new Error(`${rule}, got ${quoteUnlessCredential(raw)}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('must be an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad('must be an http:// or https:// URL');
  // The URL is printed (status, errors, the worker's log): a password in it would be too.
  if (url.username || url.password) {
    throw new Error(
      'must not carry a user name or password (user:pass@): the receiver takes tokens from CIS490_WORKER_TOKEN and CIS490_OPERATOR_TOKEN',
    );
  }
  if (url.search || url.hash) throw bad('must be an http:// or https:// URL without query or fragment');
  return url.href.replace(/\/+$/, '');
}

/** What a list of receivers looks like, for error messages. */
const RECEIVER_LIST_EXAMPLE = 'http://rx1.lab:8471,http://rx2.lab:8471';

/**
 * `CIS490_RECEIVER_URL` as workers and the CLI read it (SPEC §11): one
 * receiver's base URL, or several separated by commas, tried in that order.
 * Each is checked by normalizeReceiverUrl; the same receiver written twice
 * counts once. Throws an Error that names the bad element, e.g.
 * `element 2 of 3 is empty`, for the caller to prefix with the setting's name.
 */
export function parseReceiverUrls(raw: string): string[] {
  const elements = raw.split(',').map((e) => e.trim());
  const several = elements.length > 1;
  const urls: string[] = [];
  elements.forEach((element, i) => {
    const which = several ? `element ${i + 1} of ${elements.length}` : '';
    if (element === '') {
      throw new Error(
        several
          ? `${which} is empty: give receivers' URLs separated by single commas, e.g. ${RECEIVER_LIST_EXAMPLE}`
          : `is empty: give a receiver's URL, e.g. ${DEFAULT_RECEIVER_URL}`,
      );
    }
    try {
      urls.push(normalizeReceiverUrl(element));
    } catch (err) {
      throw new Error(several ? `${which} ${(err as Error).message}` : (err as Error).message);
    }
  });
  return [...new Set(urls)];
}
