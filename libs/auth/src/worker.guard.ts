import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { AuthTokens } from './auth.options';
import { header } from './operator.guard';
import { tokenMatches } from './token';

/** Worker endpoints: when `CIS490_WORKER_TOKEN` is set, `Authorization: Bearer <token>` must match. */
@Injectable()
export class WorkerGuard implements CanActivate {
  constructor(private readonly tokens: AuthTokens) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.tokens.workerToken;
    if (!expected) return true;
    const auth = header(context, 'authorization');
    const match = auth ? /^Bearer\s+(.+)$/i.exec(auth) : null;
    if (!match) throw new UnauthorizedException('missing Authorization: Bearer <worker token> header');
    if (!tokenMatches(match[1].trim(), expected)) throw new UnauthorizedException('wrong worker token');
    return true;
  }
}
