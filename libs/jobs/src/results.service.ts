import { Injectable } from '@nestjs/common';
import { DEFAULT_RESULTS_LIMIT, MAX_PAGE_SIZE, type ResultRow, type ResultsQuery, type ResultsView } from '@cis490/contract';
import { Db } from '@cis490/db';
import { QueueRepository } from './queue.repository';

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The leaderboard (SPEC §9 `GET /v1/results`): one model's completed jobs
 * ranked by a metric of their metrics.json, jobs without it last, ties in
 * manifest order.
 */
@Injectable()
export class ResultsService {
  constructor(
    private readonly db: Db,
    private readonly jobs: QueueRepository,
  ) {}

  async results(q: ResultsQuery): Promise<ResultsView> {
    const order = q.order ?? 'desc';
    const limit = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(q.limit ?? DEFAULT_RESULTS_LIMIT)));
    const rows = await this.db.read((sql) => this.jobs.findCompleted(sql, q.model, q.mode));
    const results: ResultRow[] = rows.map((r) => ({
      job_id: r.id,
      mode: r.mode,
      seed: Number(r.seed),
      hyper: JSON.parse(r.hyper),
      metrics: r.metrics === null ? null : JSON.parse(r.metrics),
      artifact_sha256: r.artifact_sha256,
      finished_at: r.finished_at,
      worker_id: r.worker_id,
    }));
    const metric = q.metric ?? defaultMetric(results);
    if (metric !== null) {
      const sign = order === 'asc' ? 1 : -1;
      const value = (r: ResultRow) => r.metrics?.[metric];
      // Array.prototype.sort is stable: equal values keep manifest order.
      results.sort((a, b) => {
        const x = value(a);
        const y = value(b);
        if (!finite(x) || !finite(y)) return Number(!finite(x)) - Number(!finite(y));
        return sign * (x - y);
      });
    }
    return { model: q.model, metric, order, results: results.slice(0, limit) };
  }
}

/** The first numeric metric of the first completed job that has one. */
function defaultMetric(results: ResultRow[]): string | null {
  for (const r of results) {
    const found = Object.entries(r.metrics ?? {}).find(([, v]) => finite(v));
    if (found) return found[0];
  }
  return null;
}
