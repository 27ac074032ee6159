import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { Db, MAX_NOTIFY_BYTES } from '@cis490/db';
import { type FeedChange, JobFeed } from './job-feed';
import { ReceiverInstance } from './receiver-instance';

/** The channel the receivers sharing a database tell each other their changes on. */
export const CHANGES_CHANNEL = 'cis490_changes';
/** Changes made within this many ms go out as one notification. */
const BATCH_MS = 5;

interface Message {
  origin: string;
  changes: FeedChange[];
}

/**
 * Several receivers act as one (SPEC §11): what changes through one receiver
 * reaches every other's feed through `LISTEN`/`NOTIFY`, so held claims and
 * `/v1/events` wake wherever the change was made. Changes go out in small
 * batches, a job's or worker's latest news replacing its earlier news in the
 * same batch; a change too large for one notification goes out as "many
 * jobs changed", which makes the others refetch. On SQLite (one receiver)
 * this does nothing.
 */
@Injectable()
export class FeedRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('FeedRelay');
  private subscription?: Subscription;
  private batch: FeedChange[] = [];
  private timer?: NodeJS.Timeout;
  private readonly ownEnvelope: string;

  constructor(
    private readonly db: Db,
    private readonly feed: JobFeed,
    private readonly instance: ReceiverInstance,
  ) {
    this.ownEnvelope = envelopeStart(instance.id);
  }

  async onApplicationBootstrap(): Promise<void> {
    const notifications = this.db.notifications;
    if (!notifications) return;
    await notifications.listen(
      CHANGES_CHANNEL,
      (payload) => this.heard(payload),
      () => this.feed.publishRemote({ kind: 'jobs', count: 0, reason: 'reconnected to the database: changes may have been missed' }),
    );
    this.subscription = this.feed.local.subscribe((change) => this.queue(change));
  }

  async onModuleDestroy(): Promise<void> {
    this.subscription?.unsubscribe();
    clearTimeout(this.timer);
    await this.flush();
  }

  private queue(change: FeedChange): void {
    const key = newsKey(change);
    // A job's progress or a worker's sighting is news only in its latest form.
    if (key) this.batch = this.batch.filter((earlier) => newsKey(earlier) !== key);
    this.batch.push(change);
    this.timer ??= setTimeout(() => void this.flush(), BATCH_MS);
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const changes = this.batch;
    this.batch = [];
    const notifications = this.db.notifications;
    if (!notifications || changes.length === 0) return;
    for (const payload of payloads(this.instance.id, changes)) {
      await notifications.notify(CHANGES_CHANNEL, payload).catch((err: Error) => {
        this.logger.warn(`could not tell the other receivers of ${changes.length} changes: ${err.message}`);
      });
    }
  }

  private heard(payload: string): void {
    // Every receiver hears its own notifications too: those are told apart before parsing.
    if (payload.startsWith(this.ownEnvelope)) return;
    let message: Message;
    try {
      message = JSON.parse(payload) as Message;
    } catch {
      return;
    }
    if (message.origin === this.instance.id) return;
    for (const change of message.changes) this.feed.publishRemote(change);
  }
}

/** What makes a change replaceable by a later one in the same batch; transitions are never replaced. */
export function newsKey(change: FeedChange): string | null {
  if (change.kind === 'job' && !change.transition) return `job ${change.job.id}`;
  if (change.kind === 'worker') return `worker ${change.worker_id}`;
  return null;
}

/** How every payload from `origin` begins. */
const envelopeStart = (origin: string) => `{"origin":${JSON.stringify(origin)},`;

/** The batch as notification payloads, each within PostgreSQL's size limit. */
export function payloads(origin: string, changes: FeedChange[]): string[] {
  const out: string[] = [];
  const envelope = Buffer.byteLength(JSON.stringify({ origin, changes: [] }));
  let parts: string[] = [];
  let bytes = envelope;
  const send = () => {
    if (parts.length) out.push(`${envelopeStart(origin)}"changes":[${parts.join(',')}]}`);
    parts = [];
    bytes = envelope;
  };
  for (const change of changes) {
    let text = JSON.stringify(change);
    if (envelope + Buffer.byteLength(text) > MAX_NOTIFY_BYTES) {
      text = JSON.stringify({ kind: 'jobs', count: 1, reason: 'a job changed' } satisfies FeedChange);
    }
    const size = Buffer.byteLength(text) + 1;
    if (bytes + size > MAX_NOTIFY_BYTES) send();
    parts.push(text);
    bytes += size;
  }
  send();
  return out;
}
