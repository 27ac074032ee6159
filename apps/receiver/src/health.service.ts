import { Injectable, Logger } from '@nestjs/common';
import type { HealthView } from '@cis490/contract';
import { Db } from '@cis490/db';
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

/** Writes waiting this long for another process's lock make the database unhealthy. */
const BUSY_UNHEALTHY_MS = 1_000;

/** `/v1/health`: liveness, the database, the manifest in force and the job counts. */
@Injectable()
export class HealthService {
  private readonly logger = new Logger('Health');
  private readonly started = Date.now();

  constructor(
    private readonly queue: QueueService,
    private readonly manifest: ManifestService,
    private readonly db: Db,
  ) {}

  async health(): Promise<HealthView> {
    let counts;
    try {
      // Reads still work while another process holds the write lock; claims and the rest do not.
      const busySince = this.db.busySince;
      if (busySince !== null && Date.now() - busySince >= BUSY_UNHEALTHY_MS) {
        throw new Error(`writes have waited ${((Date.now() - busySince) / 1000).toFixed(1)} s for a lock another process holds`);
      }
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
