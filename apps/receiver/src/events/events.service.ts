import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PassThrough, type Readable } from 'node:stream';
import type { Subscription } from 'rxjs';
import type { FleetEventName, FleetEvents, JobCounts, JobView, WorkerView } from '@cis490/contract';
import { type FeedChange, JobFeed, QueueService, WorkersService } from '@cis490/jobs';
import { EventBuffer } from './event-buffer';

/** SPEC §9: a reconnecting client gets at least the last 10,000 messages it missed. */
export const EVENTS_HELD = 10_000;
/** A comment at least this often keeps proxies from closing an idle stream. */
export const KEEP_ALIVE_MS = 15_000;
/** Progress and log growth of one job are told at most once a second. */
const JOB_UPDATE_MS = 1_000;
/** Counts and workers are recomputed this long after a change, once for a burst of changes. */
const RECOUNT_MS = 200;
/** Workers go online and offline with time alone; they are looked at this often. */
const WORKERS_TICK_MS = 5_000;
/** A client this far behind is dropped; it reconnects and gets what it missed. */
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;
const RETRY_MS = 3_000;

/** What a worker is shown with; `last_seen` moves on every request and is not news by itself. */
const workerKey = (w: WorkerView) =>
  JSON.stringify([w.hostname, w.capability, w.online, w.slots, w.current_jobs]);

/**
 * `GET /v1/events` (SPEC §9): the feed of committed changes as Server-Sent
 * Events — `job` on every transition (and on progress or log growth, at most
 * once a second per job), `worker` when one appears, goes online or offline
 * or its jobs change, `counts` when they change — each with an increasing
 * id, the last 10,000 held for clients that reconnect.
 */
@Injectable()
export class EventsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('EventsService');
  private readonly buffer = new EventBuffer(EVENTS_HELD);
  private readonly clients = new Set<PassThrough>();
  private readonly jobUpdates = new Map<string, { sentAt: number; timer?: NodeJS.Timeout; latest?: JobView }>();
  private subscription?: Subscription;
  private keepAlive?: NodeJS.Timeout;
  private workersTick?: NodeJS.Timeout;
  private recount?: NodeJS.Timeout;
  private lastCounts = '';
  private lastWorkers = new Map<string, string>();
  private workersDirty = false;

  constructor(
    private readonly feed: JobFeed,
    private readonly queue: QueueService,
    private readonly workers: WorkersService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // What is true now is the baseline: only changes from here on are news.
    this.lastCounts = JSON.stringify(await this.queue.counts());
    this.lastWorkers = new Map((await this.workers.list()).map((w) => [w.worker_id, workerKey(w)]));
    this.subscription = this.feed.changes.subscribe((change) => this.onChange(change));
    this.keepAlive = setInterval(() => this.writeAll(': keep-alive\n\n'), KEEP_ALIVE_MS);
    this.workersTick = setInterval(() => this.scheduleRecount(true), WORKERS_TICK_MS);
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    clearInterval(this.keepAlive);
    clearInterval(this.workersTick);
    clearTimeout(this.recount);
    for (const update of this.jobUpdates.values()) clearTimeout(update.timer);
    // Open streams would hold the HTTP server open forever.
    for (const client of this.clients) client.end();
  }

  /** A new client's stream: what it missed since `lastEventId` (or a reset), then everything new. */
  connect(lastEventId?: string): Readable {
    const client = new PassThrough();
    client.write(`retry: ${RETRY_MS}\n\n`);
    if (lastEventId !== undefined && lastEventId !== '') {
      const replay = this.buffer.since(lastEventId);
      if ('reset' in replay) client.write(frame(null, 'reset', { reason: replay.reset }));
      else for (const message of replay.messages) client.write(message.text);
    }
    this.clients.add(client);
    client.once('close', () => this.clients.delete(client));
    return client;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  private onChange(change: FeedChange): void {
    switch (change.kind) {
      case 'job':
        if (change.transition) {
          this.sendJob(change.job);
          this.scheduleRecount(true);
        } else {
          this.throttleJob(change.job);
        }
        return;
      case 'jobs':
        this.jobUpdates.forEach((u) => clearTimeout(u.timer));
        this.jobUpdates.clear();
        this.emit('reset', { reason: change.reason });
        this.scheduleRecount(false);
        return;
      case 'worker':
        this.scheduleRecount(true);
        return;
      case 'claimable':
      case 'manifest':
        return;
    }
  }

  private sendJob(job: JobView): void {
    const update = this.jobUpdates.get(job.id);
    clearTimeout(update?.timer);
    this.jobUpdates.set(job.id, { sentAt: Date.now() });
    this.emit('job', job);
  }

  /** At most one update a second per job; the latest view wins. */
  private throttleJob(job: JobView): void {
    const update = this.jobUpdates.get(job.id);
    const wait = update ? update.sentAt + JOB_UPDATE_MS - Date.now() : 0;
    if (wait <= 0) {
      this.sendJob(job);
      return;
    }
    update!.latest = job;
    update!.timer ??= setTimeout(() => {
      const latest = update!.latest!;
      this.jobUpdates.delete(job.id);
      this.sendJob(latest);
    }, wait);
  }

  private scheduleRecount(workers: boolean): void {
    this.workersDirty ||= workers;
    this.recount ??= setTimeout(() => {
      this.recount = undefined;
      const withWorkers = this.workersDirty;
      this.workersDirty = false;
      this.recountNow(withWorkers).catch((err) => this.logger.warn(`could not recount: ${(err as Error).message}`));
    }, RECOUNT_MS);
  }

  private async recountNow(withWorkers: boolean): Promise<void> {
    const counts: JobCounts = await this.queue.counts();
    const text = JSON.stringify(counts);
    if (text !== this.lastCounts) {
      this.lastCounts = text;
      this.emit('counts', counts);
    }
    if (!withWorkers) return;
    for (const worker of await this.workers.list()) {
      const key = workerKey(worker);
      if (this.lastWorkers.get(worker.worker_id) === key) continue;
      this.lastWorkers.set(worker.worker_id, key);
      this.emit('worker', worker);
    }
    this.pruneJobUpdates();
  }

  /** Forgets jobs whose last update is long enough ago that the next one goes out at once. */
  private pruneJobUpdates(): void {
    const before = Date.now() - JOB_UPDATE_MS;
    for (const [id, update] of this.jobUpdates) if (!update.timer && update.sentAt < before) this.jobUpdates.delete(id);
  }

  private emit<K extends FleetEventName>(event: K, data: FleetEvents[K]): void {
    const message = this.buffer.add((id) => frame(id, event, data));
    if (this.clients.size > 0) this.writeAll(message.text);
  }

  private writeAll(text: string): void {
    for (const client of this.clients) {
      if (client.writableLength > MAX_BACKLOG_BYTES) {
        client.destroy();
        continue;
      }
      client.write(text);
    }
  }
}

/** One Server-Sent Events message; JSON has no raw newlines, so `data` is one line. */
function frame(id: number | null, event: FleetEventName, data: unknown): string {
  return `${id === null ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
