import { Controller, Get, NotFoundException, Param, Res, ServiceUnavailableException, StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { createReadStream } from 'node:fs';
import { DashboardAssets } from './dashboard-assets';

/**
 * Nothing but this receiver: the app's code, its API and its event stream. An
 * offline lab network loses nothing, and a stray outside request is refused
 * by the browser.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The dashboard (SPEC §9): every deep link (/dashboard, /dashboard/jobs,
 * /dashboard/jobs/{id}, /dashboard/results) answers the app's index.html, and
 * the app routes in the browser; the hashed assets are cached for a year, the
 * index never, so a new build is picked up at the next load.
 */
@ApiExcludeController()
@Controller('dashboard')
export class DashboardController {
  constructor(private readonly assets: DashboardAssets) {}

  // The views' links, and anything else under /dashboard/ (a trailing slash, an old link): the app says what it is.
  @Get(['', '*'])
  index(@Res({ passthrough: true }) reply: FastifyReply): Buffer {
    const html = this.assets.index();
    if (!html) throw new ServiceUnavailableException(`the dashboard is not built (no ${this.assets.dir}): run npm run build`);
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin');
    return html;
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): StreamableFile {
    const found = this.assets.asset(file);
    if (!found) throw new NotFoundException(`no dashboard asset ${file.slice(0, 128)}`);
    reply.header('cache-control', 'public, max-age=31536000, immutable').header('x-content-type-options', 'nosniff');
    return new StreamableFile(createReadStream(found.path), { type: found.type });
  }
}
