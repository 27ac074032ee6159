import { duration, relativeTime, shortTimestamp } from './relative-time';

describe('relative times', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');

  it('says how long ago, or how long until, in the largest whole unit', () => {
    expect(relativeTime('2026-11-28T11:59:30Z', now)).toBe('30s ago');
    expect(relativeTime('2026-11-28T11:57:00Z', now)).toBe('3m ago');
    expect(relativeTime('2026-11-28T14:00:00Z', now)).toBe('in 2h');
    expect(relativeTime('2026-11-25T11:00:00Z', now)).toBe('3d ago');
    expect(relativeTime('2026-11-28T12:00:00.300Z', now)).toBe('just now');
    expect(relativeTime(null, now)).toBe('-');
  });

  it('prints absolute UTC times and durations compactly', () => {
    expect(shortTimestamp('2026-11-28T12:03:04.567Z')).toBe('2026-11-28 12:03:04Z');
    expect(duration(3 * 3600 + 12 * 60 + 5)).toBe('3h 12m');
    expect(duration(42)).toBe('42s');
  });
});
