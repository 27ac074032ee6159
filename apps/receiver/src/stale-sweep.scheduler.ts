import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { StaleSweepService } from '@cis490/jobs';
import { ReceiverConfig } from './config/receiver.config';
import { MetricsService } from './metrics.service';

const SWEEP = 'stale-sweep';
/** The sweep's lease (several receivers on one database) lasts this many sweep intervals. */
const LEASE_INTERVALS = 3;

/** Triggers the stale sweep every CIS490_SWEEP_INTERVAL_S; the sweep itself lives in StaleSweepService. */
@Injectable()
export class StaleSweepScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('StaleSweep');
  private running = false;

  constructor(
    private readonly sweep: StaleSweepService,
    private readonly registry: SchedulerRegistry,
    private readonly config: ReceiverConfig,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.tick(), this.config.sweepIntervalS * 1000);
    timer.unref();
    this.registry.addInterval(SWEEP, timer);
  }

  onModuleDestroy(): void {
    if (this.registry.doesExist('interval', SWEEP)) this.registry.deleteInterval(SWEEP);
  }

  async tick(): Promise<void> {
    if (this.running) return; // a slow sweep is never stacked on another
    this.running = true;
    try {
      // The lease outlasts a few intervals, so one slow sweep does not hand the sweep to another receiver.
      const { requeued, failed } = await this.sweep.sweep(LEASE_INTERVALS * this.config.sweepIntervalS);
      this.metrics.sweepRequeued.inc(requeued);
      this.metrics.sweepFailed.inc(failed);
      if (requeued || failed) this.logger.warn(`stale jobs: ${requeued} back to pending, ${failed} failed`);
    } catch (error) {
      this.logger.error(`sweep failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
