/**
 * A SharedWorker that holds the one event stream of every dashboard tab of
 * this receiver: Chromium opens at most 6 HTTP/1.1 connections per host, and
 * each EventSource keeps one, so a stream per tab would stall every request
 * once a few tabs are open.
 */
import type { FleetEvent } from '@cis490/contract';
import { openFleetEvents, type StreamState } from './fleet-events.source';
import type { HubMessage } from './fleet-stream';

// The webworker lib cannot share a program with the dom lib; this is all of it that is used.
const scope = self as unknown as { onconnect: ((event: MessageEvent) => void) | null };

const ports = new Set<MessagePort>();
let state: StreamState = 'connecting';
let close: (() => void) | undefined;

const broadcast = (message: HubMessage) => {
  for (const port of ports) port.postMessage(message);
};

scope.onconnect = (event) => {
  const port = event.ports[0];
  ports.add(port);
  port.onmessage = (message) => {
    // A tab says goodbye when it is closed or navigates away; the stream closes with the last one.
    if (message.data !== 'bye') return;
    ports.delete(port);
    if (!ports.size) {
      close?.();
      close = undefined;
    }
  };
  port.start();
  port.postMessage({ kind: 'state', state } satisfies HubMessage);
  close ??= openFleetEvents(
    (fleetEvent: FleetEvent) => broadcast({ kind: 'event', event: fleetEvent }),
    (next) => {
      state = next;
      broadcast({ kind: 'state', state });
    },
  );
};
