import { ReceiverError, ReceiverUnreachableError } from '@cis490/client';
import type { LogAppendRequest, LogAppendResponse, ProgressRequest, ProgressResponse } from '@cis490/contract';

/** The receiver's JSON body limit (SPEC §3). */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

const unreachable = () => new ReceiverUnreachableError('http://127.0.0.1:1', 'connect ECONNREFUSED 127.0.0.1:1');

/**
 * A job's log and progress as the receiver keeps them (SPEC §9), in memory, for
 * the worker's forwarders: appends at byte offsets, idempotent, 409 with the
 * size past it, a cap that truncates. `down` makes it unreachable; `loseAnswers`
 * stores the next appends or batches but loses their answers, as a receiver
 * that dies mid-reply does.
 */
export class FakeReceiverLog {
  bytes = Buffer.alloc(0);
  points: Record<string, unknown>[] = [];
  down = false;
  loseAnswers = 0;
  /** Answer 409 without a size: the job is no longer this worker's. */
  notOurs = false;
  /** Every request's body as JSON, for checking sizes and text. */
  readonly requests: { kind: 'log' | 'progress'; body: string }[] = [];

  constructor(readonly maxBytes = Infinity) {}

  get text(): string {
    return this.bytes.toString('utf8');
  }

  async appendLog(_id: string, req: LogAppendRequest): Promise<LogAppendResponse & { conflict?: true }> {
    await Promise.resolve();
    if (this.down) throw unreachable();
    this.requests.push({ kind: 'log', body: JSON.stringify(req) });
    if (this.notOurs) throw new ReceiverError(409, 'Conflict', { statusCode: 409, message: 'job is not this worker\'s' });
    const size = this.bytes.length;
    if (size >= this.maxBytes) return { size, truncated: true };
    if (req.offset > size) return { size, conflict: true };
    const incoming = Buffer.from(req.text, 'utf8').subarray(size - req.offset);
    const room = this.maxBytes - size;
    this.bytes = Buffer.concat([this.bytes, incoming.subarray(0, room)]);
    const answer: LogAppendResponse = incoming.length > room ? { size: this.bytes.length, truncated: true } : { size: this.bytes.length };
    if (this.loseAnswers > 0) {
      this.loseAnswers--;
      throw unreachable();
    }
    return answer;
  }

  async postProgress(_id: string, req: ProgressRequest): Promise<ProgressResponse> {
    await Promise.resolve();
    if (this.down) throw unreachable();
    this.requests.push({ kind: 'progress', body: JSON.stringify(req) });
    if (this.notOurs) throw new ReceiverError(409, 'Conflict', { statusCode: 409, message: 'job is not this worker\'s' });
    // As the receiver does: one point it will not store refuses the whole batch.
    const bad = req.points.findIndex((p) => p.step !== undefined && typeof p.step !== 'number');
    if (bad >= 0) throw new ReceiverError(400, 'Bad Request', { statusCode: 400, message: `points[${bad}].step must be a finite number` });
    this.points.push(...req.points);
    if (this.loseAnswers > 0) {
      this.loseAnswers--;
      throw unreachable();
    }
    return { stored: req.points.length };
  }
}
