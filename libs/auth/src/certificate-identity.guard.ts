import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { WORKER_ID_HEADER } from '@cis490/contract';
import { AuthTokens } from './auth.options';

/** What a worker request may name itself by, and where: the body's fields, the upload's header. */
interface WorkerRequest {
  headers: Record<string, unknown>;
  body?: unknown;
  raw?: { socket?: unknown };
  socket?: unknown;
}

/**
 * Worker endpoints under mTLS (SPEC §12): the `worker_id` and `hostname` a
 * request names must be its client certificate's CN or one of its DNS
 * names, so that one host's certificate cannot act for another. Without a
 * CA on the receiver there are no client certificates and nothing to check.
 *
 * Runs before validation: a field that is not a string is left to the DTO's
 * 400, since it cannot name anyone.
 */
@Injectable()
export class CertificateIdentityGuard implements CanActivate {
  constructor(private readonly tokens: AuthTokens) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.tokens.tls?.ca) return true;
    const request = context.switchToHttp().getRequest<WorkerRequest>();
    const certificate = peerCertificate(request);
    // The TLS layer rejects a connection without a valid certificate; reaching here without one is a misconfiguration.
    if (!certificate) throw new ForbiddenException('worker endpoints need a client certificate (mTLS)');
    const names = certificateNames(certificate);
    for (const [field, value] of claimedNames(request)) {
      if (!names.includes(value)) {
        throw new ForbiddenException(
          `${field} ${JSON.stringify(value)} is not a name of this client certificate (${names.join(', ') || 'it has none'}): ` +
            'a worker acts only as the host its certificate names',
        );
      }
    }
    return true;
  }
}

function peerCertificate(request: WorkerRequest): PeerCertificate | undefined {
  const socket = (request.raw?.socket ?? request.socket) as Partial<TLSSocket> | undefined;
  if (typeof socket?.getPeerCertificate !== 'function') return undefined;
  const certificate = socket.getPeerCertificate();
  return certificate && Object.keys(certificate).length ? certificate : undefined;
}

/** The CN and every DNS name of the certificate: what its host may call itself. */
export function certificateNames(certificate: Pick<PeerCertificate, 'subject' | 'subjectaltname'>): string[] {
  const cn = certificate.subject?.CN as string | string[] | undefined;
  const dns = (certificate.subjectaltname ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4));
  return [...new Set([...[cn ?? []].flat(), ...dns])];
}

function claimedNames(request: WorkerRequest): [string, string][] {
  const claimed: [string, string][] = [];
  const body = request.body;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const { worker_id, hostname } = body as Record<string, unknown>;
    if (typeof worker_id === 'string') claimed.push(['worker_id', worker_id]);
    if (typeof hostname === 'string') claimed.push(['hostname', hostname]);
  }
  const header = request.headers[WORKER_ID_HEADER];
  if (typeof header === 'string') claimed.push([WORKER_ID_HEADER, header]);
  return claimed;
}
