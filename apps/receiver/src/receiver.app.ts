import { BadRequestException, ConsoleLogger, LogLevel, UnsupportedMediaTypeException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { RawServerDefault } from 'fastify';
import { readFileSync } from 'node:fs';
import { OPERATOR_TOKEN_HEADER } from '@cis490/contract';
import { ReceiverConfig } from './config/receiver.config';
import { MemoizedValidationPipe, withRawJson } from './memoized-validation.pipe';
import { MetricsService } from './metrics.service';
import { ReceiverModule } from './receiver.module';
import { limitRequests } from './request-limits';
import { VERSION } from './version';

/** JSON bodies above this answer 413 (SPEC §3); bundles are streamed and limited separately. */
const JSON_BODY_LIMIT = 1024 * 1024;
/** Deeper than any real body (metrics and hyper included), far shallower than a stack overflow. */
const MAX_JSON_DEPTH = 64;
const UPLOAD_ROUTE = '/v1/model/:id';
const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

function httpsOptions(config: ReceiverConfig) {
  if (!config.tls) return undefined;
  const { cert, key, ca } = config.tls;
  return {
    cert: readFileSync(cert),
    key: readFileSync(key),
    ...(ca ? { ca: readFileSync(ca), requestCert: true, rejectUnauthorized: true } : {}),
  };
}

/** Whether a parsed JSON value nests deeper than `limit`, checked without recursion. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Builds the receiver (not yet listening): used by main and by the tests alike. */
export async function createReceiverApp(
  config: ReceiverConfig,
  options: { logger?: false | LogLevel[] } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: JSON_BODY_LIMIT,
    https: httpsOptions(config),
    // Ids are 64 hex characters; anything much longer is not a route.
    routerOptions: { maxParamLength: 256 },
  });
  limitRequests(adapter.getInstance(), config, UPLOAD_ROUTE);
  // Bundles reach the upload route as the raw request stream, never buffered. Any
  // other route must never see a raw stream as its body: validation would walk into the socket.
  adapter.getInstance().addContentTypeParser(
    ['application/zstd', 'application/octet-stream'],
    (request, payload, done) => {
      if (request.method === 'PUT' && request.routeOptions.url === UPLOAD_ROUTE) return done(null, payload);
      done(new UnsupportedMediaTypeException(`${request.headers['content-type']} is accepted only by PUT ${UPLOAD_ROUTE}; send JSON`));
    },
  );

  // Every body is JSON or a bundle. Fastify's own text/plain parser would hand a string to
  // validation, answered 400 about every field, where 415 names what is wrong.
  adapter.getInstance().removeContentTypeParser('text/plain');

  // Plain lines under journald; colours only on a terminal.
  const logger =
    options.logger ??
    new ConsoleLogger({
      logLevels: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.logLevel as LogLevel) + 1),
      colors: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
      prefix: 'cis490-receiver',
    });
  const app = await NestFactory.create<NestFastifyApplication>(ReceiverModule.forRoot(config), adapter, {
    logger,
  });
  const defaultJsonParser = adapter.getInstance().getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit: JSON_BODY_LIMIT }, (request, body, done) => {
    const text = body.toString('utf8');
    defaultJsonParser(request, text, (error, value) => {
      if (error) return done(error, undefined);
      // class-transformer recurses once per level: a deep body would overflow its stack.
      if (nestsDeeperThan(value, MAX_JSON_DEPTH)) {
        return done(new BadRequestException(`JSON body nests deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      }
      done(null, withRawJson(value, text));
    });
  });
  app.useGlobalPipes(new MemoizedValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.enableShutdownHooks();

  const metrics = app.get(MetricsService);
  adapter.getInstance().addHook('onResponse', async (request, reply) => {
    metrics.observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('cis490-trainer-receiver')
      .setDescription('The training fleet receiver: job queue, artifact store and operator API.')
      .setVersion(VERSION)
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'CIS490_WORKER_TOKEN, when set on the receiver' })
      .addApiKey({ type: 'apiKey', in: 'header', name: OPERATOR_TOKEN_HEADER, description: 'CIS490_OPERATOR_TOKEN' }, 'operator')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });

  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
