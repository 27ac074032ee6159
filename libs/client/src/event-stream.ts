import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FleetEvent, FleetEventName } from '@cis490/contract';
import type { ReceiverClient } from './receiver.client';
import { backoffDelay, isRetryable } from './retry.policy';

const FLEET_EVENT_NAMES: ReadonlySet<string> = new Set<FleetEventName>(['job', 'worker', 'counts', 'reset']);

/** What the receiver asks for (`retry:`) until it says otherwise. */
export const DEFAULT_RECONNECT_MS = 3000;
/** The first wait after a break, doubling up to the receiver's `retry:`. */
const FIRST_WAIT_MS = 250;

export interface FleetEventHandlers {
  /**
   * The stream is open (first, or again after a break): the receiver now holds
   * every later change for us. Awaited before any message is read, so that a
   * client can fetch the state over REST here and apply the messages after it.
   * `resumed`: opened with Last-Event-ID, so what was missed comes first (or a
   * `reset`); otherwise whatever happened before now is not told.
   */
  onOpen?(open: { resumed: boolean }): void | Promise<void>;
  /** One message, in order; awaited before the next (a `reset` may refetch). */
  onEvent(event: FleetEvent): void | Promise<void>;
  /** The stream broke, could not be opened, or onOpen failed: trying again after `delayMs`. */
  onError?(err: Error, delayMs: number): void;
}

export interface FleetEventStreamOptions {
  /** Ends the stream; run() then resolves. */
  signal?: AbortSignal;
  /** Resume after this message, as a reconnect does. */
  lastEventId?: string;
}

/**
 * A client of `GET /v1/events` (SPEC §9) that keeps itself connected: after a
 * break it reconnects with `Last-Event-ID`, so the receiver replays what was
 * missed or says `reset`. Only a refusal (4xx) ends it with an error; an
 * unreachable receiver is tried again for as long as it takes. With several
 * receivers it reconnects to whichever answers (SPEC §11); one other than the
 * last is not resumed (its ids are its own), so onOpen is told to refetch.
 */
export class FleetEventStream {
  private last: string | undefined;
  /** The receiver whose id `last` is; undefined for one given in the options. */
  private lastFrom: string | undefined;
  private reconnectMs = DEFAULT_RECONNECT_MS;

  constructor(
    private readonly client: ReceiverClient,
    private readonly handlers: FleetEventHandlers,
    private readonly options: FleetEventStreamOptions = {},
  ) {
    this.last = options.lastEventId;
  }

  /** The id of the last message handled: where a reconnect resumes. */
  get lastEventId(): string | undefined {
    return this.last;
  }

  /** Runs until the signal aborts (resolves) or the receiver refuses the stream (rejects). */
  async run(): Promise<void> {
    const { signal } = this.options;
    for (let failures = 0; !signal?.aborted; ) {
      let error: unknown;
      try {
        const resume = this.last !== undefined ? { lastEventId: this.last, receiver: this.lastFrom } : undefined;
        const { body, receiver, resumed } = await this.client.openEvents(resume, { signal });
        // From here the ids are this receiver's: another's must not be sent to it after a break.
        if (!resumed) this.last = undefined;
        this.lastFrom = receiver;
        try {
          await this.handlers.onOpen?.({ resumed });
          failures = 0;
          await this.consume(body);
        } finally {
          body.destroy();
        }
      } catch (err) {
        error = err;
      }
      if (signal?.aborted) return;
      if (error !== undefined && !isRetryable(error)) throw error;
      failures += 1;
      const delayMs = backoffDelay(failures, { baseMs: FIRST_WAIT_MS, maxMs: Math.max(FIRST_WAIT_MS, this.reconnectMs) });
      this.handlers.onError?.(error instanceof Error ? error : new Error('the event stream ended'), delayMs);
      try {
        await sleep(delayMs, undefined, { signal });
      } catch {
        return;
      }
    }
  }

  /** Parses messages as they arrive and hands each one over in order; returns when the body ends. */
  private async consume(body: Readable): Promise<void> {
    const pending: EventSourceMessage[] = [];
    const parser = createParser({
      onEvent: (m) => pending.push(m),
      onRetry: (ms) => {
        this.reconnectMs = ms;
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of body as AsyncIterable<Buffer>) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      for (const message of pending.splice(0)) {
        const event = toFleetEvent(message);
        if (event) await this.handlers.onEvent(event);
        if (message.id !== undefined) this.last = message.id;
      }
    }
  }
}

/** A message this client knows, or null (a newer receiver may send events it does not). */
export function toFleetEvent(m: EventSourceMessage): FleetEvent | null {
  if (!m.event || !FLEET_EVENT_NAMES.has(m.event)) return null;
  let data: unknown;
  try {
    data = JSON.parse(m.data);
  } catch {
    return null;
  }
  const id = m.id !== undefined && /^\d+$/.test(m.id) ? Number(m.id) : NaN;
  return { id, event: m.event as FleetEventName, data } as FleetEvent;
}
