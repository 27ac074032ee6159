import { FleetEventStream, ReceiverClient, ReceiverUnreachableError } from '@cis490/client';
import { MAX_PAGE_SIZE, type FleetEvent } from '@cis490/contract';
import { FleetSnapshot, FleetState } from './fleet-state';

/** Where `watch` shows what it knows: a terminal screen, or lines in a log. */
export interface WatchView {
  /** The state was (re)loaded from the receiver: first, or after a `reset`. */
  loaded(state: FleetState, reason: string | null): void;
  /** One message changed the state. */
  changed(state: FleetState, event: FleetEvent): void;
  /** null: the stream is open; else why the view may be out of date. */
  connection(problem: string | null): void;
}

/** The jobs workers hold, the workers and the counts, read over REST. */
export async function fetchSnapshot(client: ReceiverClient, signal?: AbortSignal): Promise<FleetSnapshot> {
  const [running, claimed, { workers }] = await Promise.all([
    client.listJobs({ status: 'running', limit: MAX_PAGE_SIZE }, { signal }),
    client.listJobs({ status: 'claimed', limit: MAX_PAGE_SIZE }, { signal }),
    client.workers({ signal }),
  ]);
  return { counts: claimed.counts, workers, jobs: [...running.jobs, ...claimed.jobs] };
}

/**
 * Keeps `view` showing the fleet until `signal` aborts: subscribes to
 * `GET /v1/events` first, then reads the state over REST (nothing that
 * happens in between is missed), applies each message, and reads the state
 * again on `reset`. A receiver that goes away is waited for, never fatal;
 * only a refusal (4xx) ends it with an error.
 */
export async function watchFleet(client: ReceiverClient, view: WatchView, signal: AbortSignal): Promise<void> {
  const state = new FleetState();
  // Set until a snapshot is in: a stream resumed before that still needs one.
  let stale = true;
  const load = async (reason: string | null) => {
    stale = true;
    state.replace(await fetchSnapshot(client, signal));
    stale = false;
    view.loaded(state, reason);
  };
  const stream = new FleetEventStream(
    client,
    {
      onOpen: async ({ resumed }) => {
        view.connection(null);
        // Not resumed: nothing will be replayed, so what changed before now is read over REST.
        if (stale || !resumed) await load(null);
      },
      onEvent: async (e) => {
        if (e.event === 'reset') await load((e as FleetEvent<'reset'>).data.reason);
        else if (state.apply(e)) view.changed(state, e);
      },
      onError: (err) => view.connection(describeProblem(err)),
    },
    { signal },
  );
  await stream.run();
}

function describeProblem(err: Error): string {
  if (err instanceof ReceiverUnreachableError) return `receiver unreachable, retrying (${err.reason})`;
  return `${err.message}, retrying`;
}
