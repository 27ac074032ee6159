/**
 * One `GET /v1/events` stream (SPEC §9). The browser reconnects by itself with
 * `Last-Event-ID` after a dropped connection; when it gives up (an answer that
 * is not an event stream, e.g. a receiver restarting behind a proxy) this
 * reconnects later with `?last_event_id=`, so nothing is missed either way.
 */
import type { FleetEvent, FleetEventName } from '@cis490/contract';
import { eventData } from '../answer';

export type StreamState = 'connecting' | 'live' | 'reconnecting';

export const EVENTS_URL = '/v1/events';
const EVENT_NAMES: FleetEventName[] = ['job', 'worker', 'counts', 'reset'];
/** After the browser gave up: wait this long before opening a new stream, doubling up to the last. */
const RETRY_MS = [1000, 3000, 10_000, 30_000];

export function openFleetEvents(onEvent: (event: FleetEvent) => void, onState: (state: StreamState) => void): () => void {
  let source: EventSource | undefined;
  let lastId: string | undefined;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let dropped = false;

  const open = () => {
    source = new EventSource(lastId ? `${EVENTS_URL}?last_event_id=${encodeURIComponent(lastId)}` : EVENTS_URL);
    source.onopen = () => {
      failures = 0;
      onState('live');
      // Back without an id to replay from (none had come yet): the receiver cannot say what was missed.
      if (dropped && !lastId) onEvent({ id: 0, event: 'reset', data: { reason: 'reconnected before any event' } });
      dropped = false;
    };
    source.onerror = () => {
      dropped = true;
      if (source!.readyState === EventSource.CONNECTING) return onState('reconnecting');
      source!.close();
      onState('reconnecting');
      if (!closed) timer = setTimeout(open, RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]);
    };
    for (const name of EVENT_NAMES) {
      source.addEventListener(name, (message) => {
        const { data, lastEventId } = message as MessageEvent<string>;
        if (lastEventId) lastId = lastEventId;
        onEvent({ id: Number(lastEventId), event: name, data: eventData(data) } as FleetEvent);
      });
    }
  };

  onState('connecting');
  open();
  return () => {
    closed = true;
    clearTimeout(timer);
    source?.close();
  };
}
