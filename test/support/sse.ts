/** One Server-Sent Events message as a test sees it. */
export interface SseMessage {
  id?: string;
  event?: string;
  data?: any;
  comment?: string;
  retry?: number;
}

/** A `GET /v1/events` stream read message by message. */
export interface SseReader {
  messages: SseMessage[];
  /** Resolves with the first message (from the start) matching `match`, waiting for it up to `timeoutMs`. */
  next(match: (m: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  close(): void;
}

function parse(block: string): SseMessage {
  const m: SseMessage = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) m.comment = line.slice(1).trim();
    const [, field, value] = /^(\w+): ?(.*)$/.exec(line) ?? [];
    if (field === 'id') m.id = value;
    if (field === 'event') m.event = value;
    if (field === 'data') m.data = JSON.parse(value);
    if (field === 'retry') m.retry = Number(value);
  }
  return m;
}

/** Opens the event stream at `url` (with `Last-Event-ID` when given) and collects its messages. */
export async function openEvents(url: string, lastEventId?: string): Promise<SseReader> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: lastEventId === undefined ? {} : { 'last-event-id': lastEventId },
    signal: controller.signal,
  });
  if (res.status !== 200) throw new Error(`GET ${url} → ${res.status}`);
  const messages: SseMessage[] = [];
  const waiters = new Set<() => void>();
  void (async () => {
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        pending += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          messages.push(parse(pending.slice(0, end)));
          pending = pending.slice(end + 2);
        }
        waiters.forEach((w) => w());
      }
    } catch {
      // closed by the test
    }
  })();
  return {
    messages,
    next: (match, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(match);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(messages.map((m) => m.event))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => controller.abort(),
  };
}
