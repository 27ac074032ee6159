import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { OPERATOR_TOKEN_HEADER } from '@cis490/contract';
import { AuthTokens } from './auth.options';
import { tokenMatches } from './token';

/** Operator endpoints: `X-Operator-Token` must match; with no token configured, fail closed. */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(private readonly tokens: AuthTokens) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.tokens.operatorToken;
    if (!expected) {
      throw new ForbiddenException(
        'operator endpoints are disabled: set CIS490_OPERATOR_TOKEN on the receiver',
      );
    }
    const presented = header(context, OPERATOR_TOKEN_HEADER);
    if (!tokenMatches(presented, expected)) {
      throw new UnauthorizedException(
        presented === undefined ? 'missing X-Operator-Token header' : 'wrong operator token',
      );
    }
    return true;
  }
}

export function header(context: ExecutionContext, name: string): string | undefined {
  const value = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers[name];
  return typeof value === 'string' ? value : undefined;
}
