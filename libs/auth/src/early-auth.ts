import { OPERATOR_TOKEN_HEADER } from '@cis490/contract';
import type { AuthTokens } from './auth.options';
import { bearerToken, tokenMatches } from './token';

type Headers = Record<string, string | string[] | undefined>;

/**
 * Whether a request that carries a body may have it read: it presents a
 * token the receiver knows — the worker's (when one is configured) or the
 * operator's. Every endpoint that takes a body is a worker or an operator
 * endpoint, so a request with neither is refused before a byte of its body
 * is read; the endpoint's own guard still checks which token it needs.
 * With no worker token configured, worker endpoints are open, and so is this.
 */
export function mayReadBody(headers: Headers, tokens: AuthTokens): boolean {
  if (!tokens.workerToken) return true;
  if (tokenMatches(bearerToken(headers.authorization), tokens.workerToken)) return true;
  const operator = headers[OPERATOR_TOKEN_HEADER];
  return !!tokens.operatorToken && typeof operator === 'string' && tokenMatches(operator, tokens.operatorToken);
}
