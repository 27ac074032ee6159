import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { mayReadBody } from '@cis490/auth';
import type { ReceiverConfig } from './config/receiver.config';

/** Methods whose routes never read a body: public reads, answered as documented whatever they carry. */
const IGNORES_BODY = new Set(['GET', 'HEAD']);

const carriesBody = (raw: IncomingMessage) =>
  (raw.headers['content-length'] !== undefined && raw.headers['content-length'] !== '0') ||
  raw.headers['transfer-encoding'] !== undefined;

/**
 * What keeps slow or unauthenticated clients from holding the receiver
 * (memory, sockets, temp files): at most `maxConnections` open at once; a body
 * read only from a client with a token; a JSON body that must arrive whole
 * within the request timeout; an upload that may pause no longer than that.
 * Bundles are streamed for as long as they keep coming, so an upload has no
 * deadline, only the idle limit.
 */
export function limitRequests(fastify: FastifyInstance, config: ReceiverConfig, uploadRoute: string): void {
  fastify.server.maxConnections = config.maxConnections;
  const timeoutMs = config.requestTimeoutS * 1000;
  fastify.addHook('onRequest', async (request, reply) => {
    const raw = request.raw;
    if (!carriesBody(raw)) return;
    if (!IGNORES_BODY.has(request.method) && !mayReadBody(request.headers, config)) {
      // Closing the connection spares reading a body nobody will use.
      return reply.header('connection', 'close').code(401).send({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'a request with a body needs the worker token (Authorization: Bearer) or the operator token (X-Operator-Token)',
      });
    }
    if (request.method === 'PUT' && request.routeOptions.url === uploadRoute) {
      watchIdle(raw, timeoutMs, () => raw.destroy(new Error(`upload paused for more than ${config.requestTimeoutS} s`)));
      return;
    }
    const deadline = setTimeout(() => {
      if (!raw.complete) raw.destroy(new Error(`request body not received within ${config.requestTimeoutS} s`));
    }, timeoutMs);
    // A body refused unread (413) may end neither way; its guard must not keep a stopping receiver alive.
    deadline.unref();
    raw.once('end', () => clearTimeout(deadline));
    raw.once('close', () => clearTimeout(deadline));
  });
}

/**
 * Calls `onIdle` once no byte of `raw`'s body has arrived for `idleMs`, until
 * the body has ended. Watched by the socket's byte count rather than a socket
 * timeout, which the HTTP server manages for its own ends.
 */
function watchIdle(raw: IncomingMessage, idleMs: number, onIdle: () => void): void {
  const socket = raw.socket;
  let seen = socket.bytesRead;
  let lastByteAt = Date.now();
  const check = setInterval(() => {
    if (socket.bytesRead !== seen) {
      seen = socket.bytesRead;
      lastByteAt = Date.now();
    } else if (Date.now() - lastByteAt >= idleMs) {
      stop();
      onIdle();
    }
  }, Math.min(1_000, Math.max(50, idleMs / 4)));
  check.unref();
  const stop = () => clearInterval(check);
  raw.once('end', stop);
  raw.once('close', stop);
}
