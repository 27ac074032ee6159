/**
 * The fleet's events for this tab: from the SharedWorker that every tab of
 * this receiver shares, or, where the browser has no SharedWorker (Chrome on
 * Android), from a stream of the tab's own.
 */
import type { FleetEvent } from '@cis490/contract';
import { useEffect, useRef, useState } from 'preact/hooks';
import { openFleetEvents, type StreamState } from './fleet-events.source';

export type HubMessage = { kind: 'event'; event: FleetEvent } | { kind: 'state'; state: StreamState };

type Listener = (event: FleetEvent) => void;

const listeners = new Set<Listener>();
const stateListeners = new Set<(state: StreamState) => void>();
let state: StreamState = 'connecting';
let started = false;

function receive(message: HubMessage): void {
  if (message.kind === 'state') {
    state = message.state;
    for (const listener of stateListeners) listener(state);
  } else {
    for (const listener of listeners) listener(message.event);
  }
}

function openOwnStream(): void {
  openFleetEvents((event) => receive({ kind: 'event', event }), (next) => receive({ kind: 'state', state: next }));
}

function start(): void {
  if (started) return;
  started = true;
  let worker: SharedWorker;
  try {
    worker = new SharedWorker(new URL('./events.worker.ts', import.meta.url), { name: 'cis490-events' });
  } catch {
    // No SharedWorker here (Chrome on Android), or not allowed to start one.
    return openOwnStream();
  }
  worker.port.onmessage = (message: MessageEvent<HubMessage>) => receive(message.data);
  worker.port.start();
  // Kept in the back/forward cache, the tab still counts as a listener.
  addEventListener('pagehide', (event) => {
    if (!event.persisted) worker.port.postMessage('bye');
  });
}

/** Calls `listener` with every fleet event from now on; returns the unsubscribe. */
export function subscribeFleet(listener: Listener): () => void {
  start();
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** Whether the stream is open now: shown in the header. */
export function useStreamState(): StreamState {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    start();
    setCurrent(state);
    stateListeners.add(setCurrent);
    return () => void stateListeners.delete(setCurrent);
  }, []);
  return current;
}

/** Subscribes for the component's life; `listener` may change every render. */
export function useFleetEvents(listener: Listener): void {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => subscribeFleet((event) => latest.current(event)), []);
}
