import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { AuthTokens } from './auth.options';
import { header } from './operator.guard';
import { bearerToken, tokenMatches } from './token';

/** Worker endpoints: when `CIS490_WORKER_TOKEN` is set, `Authorization: Bearer <token>` must match. */
@Injectable()
export class WorkerGuard implements CanActivate {
  constructor(private readonly tokens: AuthTokens) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.tokens.workerToken;
    if (!expected) return true;
    const presented = bearerToken(header(context, 'authorization'));
    if (presented === undefined) throw new UnauthorizedException('missing Authorization: Bearer <worker token> header');
    if (!tokenMatches(presented, expected)) throw new UnauthorizedException('wrong worker token');
    return true;
  }
}
