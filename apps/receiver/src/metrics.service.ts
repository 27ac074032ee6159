import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { JOB_STATUSES } from '@cis490/contract';
import { QueueService } from '@cis490/jobs';

/** A claim that handed out a job answers 200 here (204: nothing eligible). */
const CLAIM_ROUTE = '/v1/job/claim';
/** An event stream lasts as long as its client stays: not a request duration worth a histogram. */
const STREAM_ROUTE = '/v1/events';

/** The receiver's Prometheus metrics, in a registry of its own (one per app, so tests stay apart). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly claims = new Counter({
    name: 'cis490_claims_total', help: 'Jobs handed to workers', registers: [this.registry],
  });
  readonly sweepRequeued = new Counter({
    name: 'cis490_sweep_requeued_total', help: 'Stale jobs the sweep put back to pending', registers: [this.registry],
  });
  readonly sweepFailed = new Counter({
    name: 'cis490_sweep_failed_total', help: 'Stale jobs the sweep failed (attempts used up)', registers: [this.registry],
  });
  readonly uploads = new Counter({
    name: 'cis490_uploads_total', help: 'Bundles received', registers: [this.registry],
  });
  readonly uploadBytes = new Counter({
    name: 'cis490_upload_bytes_total', help: 'Bytes of bundles received', registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'cis490_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [this.registry],
  });

  constructor(queue: QueueService) {
    new Gauge({
      name: 'cis490_jobs',
      help: 'Jobs by status',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const counts = await queue.counts();
        for (const status of JOB_STATUSES) this.set({ status }, counts[status]);
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'cis490_receiver_' });
  }

  /** One answered request; `route` is the matched route's pattern. */
  observe(method: string, route: string, statusCode: number, seconds: number): void {
    if (route === STREAM_ROUTE) return;
    this.httpDuration.observe({ method, route, status_code: statusCode }, seconds);
    if (route === CLAIM_ROUTE && statusCode === 200) this.claims.inc();
  }
}
