import { useEffect, useState } from 'preact/hooks';
import { formatExact, formatRelative } from '../format';

/** Relative times in every view move on together, once every 15 s: a clock, not a poll. */
const TICK_MS = 15_000;
const clocks = new Set<(now: number) => void>();
setInterval(() => {
  const now = Date.now();
  for (const set of clocks) set(now);
}, TICK_MS);

export function useNow(): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    setNow(Date.now());
    clocks.add(setNow);
    return () => void clocks.delete(setNow);
  }, []);
  return now;
}

/** `3 min ago`, the exact time on hover. */
export function Time({ iso }: { iso: string | null | undefined }) {
  const now = useNow();
  if (!iso) return <span class="muted">—</span>;
  return (
    <time dateTime={iso} title={formatExact(iso)}>
      {formatRelative(iso, now)}
    </time>
  );
}
