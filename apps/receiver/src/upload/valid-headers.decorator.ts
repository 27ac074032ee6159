import { createParamDecorator, type ExecutionContext, ValidationPipe } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

const headers = createParamDecorator((_data: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<FastifyRequest>().headers);

/**
 * The request's headers as a validated DTO. Every other header is dropped,
 * not refused: a request carries many that the route has no use for.
 */
export const ValidHeaders = () =>
  headers(new ValidationPipe({ validateCustomDecorators: true, whitelist: true, transform: true }));
