/** One message as it goes on the wire, kept for replay. */
export interface HeldMessage {
  readonly id: number;
  readonly text: string;
}

/**
 * A message whose text is made the first time it is read: with no client
 * connected, most messages are held and dropped without ever being sent.
 */
class LazyMessage implements HeldMessage {
  private made?: string;

  constructor(
    readonly id: number,
    private frame: ((id: number) => string) | null,
  ) {}

  get text(): string {
    if (this.made === undefined) {
      this.made = this.frame!(this.id);
      this.frame = null;
    }
    return this.made;
  }
}

/** What a client reconnecting with `Last-Event-ID` gets. */
export type Replay = { messages: HeldMessage[] } | { reset: string };

/**
 * The last `capacity` messages, oldest first, for clients that reconnect.
 * Ids start from the clock at start (in microseconds), so a receiver that
 * restarted never reuses an id a client may hold: that client gets a reset.
 */
export class EventBuffer {
  private readonly held: HeldMessage[] = [];
  private start = 0;
  private lastId: number;

  constructor(
    private readonly capacity: number,
    firstId = Date.now() * 1000,
  ) {
    this.lastId = firstId - 1;
  }

  /**
   * The next message, with its id; `frame` turns the id into the message's
   * text when it is first read, so what it frames must not change meanwhile.
   */
  add(frame: (id: number) => string): HeldMessage {
    const message = new LazyMessage(++this.lastId, frame);
    if (this.held.length - this.start >= this.capacity) this.start++;
    this.held.push(message);
    // Compacts now and then instead of shifting the array on every message.
    if (this.start > this.capacity) {
      this.held.splice(0, this.start);
      this.start = 0;
    }
    return message;
  }

  /** Everything after `lastEventId` while it is all still held; else a reset saying why. */
  since(lastEventId: string): Replay {
    if (!/^\d+$/.test(lastEventId.trim())) return { reset: `Last-Event-ID ${JSON.stringify(lastEventId)} is not one of this receiver's ids` };
    const seen = Number(lastEventId);
    const oldest = this.held.length > this.start ? this.held[this.start].id : this.lastId + 1;
    if (seen > this.lastId || seen < oldest - 1) {
      return { reset: `events after ${seen} are no longer held (this receiver holds ${oldest} to ${this.lastId})` };
    }
    const messages: HeldMessage[] = [];
    for (let i = this.held.length - 1; i >= this.start && this.held[i].id > seen; i--) messages.push(this.held[i]);
    return { messages: messages.reverse() };
  }
}
