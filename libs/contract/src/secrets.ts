/**
 * What a token must be, the same on every side: long enough not to be
 * guessed, and nothing but visible ASCII, because it travels in an HTTP
 * header (a header that cannot be sent makes fetch throw a message that
 * quotes it whole).
 */
export const TOKEN_MIN_LENGTH = 8;
export const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

/**
 * Checks a token without ever quoting it: the answer names the rule broken,
 * null when the token is fine. `minLength` is the receiver's rule; a client
 * only needs one it can send.
 */
export function tokenProblem(token: string, minLength = TOKEN_MIN_LENGTH): string | null {
  if (!TOKEN_PATTERN.test(token)) return 'must be visible ASCII characters only (no spaces or control characters): it is sent in an HTTP header';
  if (token.length < minLength) return `must be at least ${minLength} characters`;
  return null;
}

/**
 * A setting's value quoted for an error message, unless it may hold a
 * credential (`user:pass@` in something meant as a URL): then not at all.
 */
export function quoteUnlessCredential(raw: string): string {
  return raw.includes('@') ? '(not shown: it has an "@", which may hold a password)' : JSON.stringify(raw);
}
