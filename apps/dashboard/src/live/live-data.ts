/**
 * REST state kept current by the fleet's events: subscribe first, then load,
 * then apply every event (those that arrived during the load too) — each job
 * event is a full job view, applied idempotently. `reset` loads again.
 */
import type { FleetEvent } from '@cis490/contract';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { subscribeFleet } from './fleet-stream';

export interface LiveData<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload(): void;
}

/**
 * `load` runs again whenever `key` changes (a new filter, another job) and on
 * `reset`; `apply` folds one event into the loaded state and returns it (the
 * same object when nothing changed).
 */
export function useLiveData<T>(
  key: string,
  load: () => Promise<T>,
  apply: (data: T, event: FleetEvent) => T,
): LiveData<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const fns = useRef({ load, apply });
  fns.current = { load, apply };
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    let pending: FleetEvent[] | undefined = [];
    let alive = true;
    const unsubscribe = subscribeFleet((event) => {
      if (event.event === 'reset') return reload();
      if (pending) pending.push(event);
      else setData((current) => (current === undefined ? current : fns.current.apply(current, event)));
    });
    setLoading(true);
    fns.current
      .load()
      .then((loaded) => {
        if (!alive) return;
        const missed = pending!;
        pending = undefined;
        setData(missed.reduce((state, event) => fns.current.apply(state, event), loaded));
        setError(undefined);
      })
      .catch((err: Error) => {
        if (!alive) return;
        pending = undefined;
        setError(err);
      })
      .finally(() => alive && setLoading(false));
    return () => {
      alive = false;
      unsubscribe();
    };
  }, [key, generation]);

  return { data, error, loading, reload };
}
