import { Injectable, Logger } from '@nestjs/common';
import type { HealthView } from '@cis490/contract';
import { QueueService } from '@cis490/jobs';
import { ManifestService } from '@cis490/manifest';
import { VERSION } from './version';

/** The database cannot answer (HTTP 503): the receiver is up but cannot serve jobs. */
export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`database unusable: ${(cause as Error).message}`, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

/** `/v1/health`: liveness, the database, the manifest in force and the job counts. */
@Injectable()
export class HealthService {
  private readonly logger = new Logger('Health');
  private readonly started = Date.now();

  constructor(
    private readonly queue: QueueService,
    private readonly manifest: ManifestService,
  ) {}

  async health(): Promise<HealthView> {
    let counts;
    try {
      counts = await this.queue.counts();
    } catch (error) {
      const unavailable = new DatabaseUnavailableError(error);
      this.logger.error(`health: ${unavailable.message}`);
      throw unavailable;
    }
    return {
      status: 'ok',
      version: VERSION,
      uptime_s: Math.floor((Date.now() - this.started) / 1000),
      db: 'ok',
      manifest: this.manifest.status(),
      counts,
    };
  }
}
