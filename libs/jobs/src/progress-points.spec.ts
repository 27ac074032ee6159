import { keptCount, strideFor, toProgressPoint } from './progress-points';

const NOW = '2026-01-05T09:00:00.000Z';

describe('progress points', () => {
  it('reads reserved fields and keeps every other finite number as a metric series', () => {
    expect(
      toProgressPoint({ step: 120, total: 1000, epoch: 2, loss: 0.41, val_accuracy: 0.83, note: 'x', flag: true }, 0, NOW),
    ).toEqual({ at: NOW, step: 120, total: 1000, epoch: 2, message: null, values: { loss: 0.41, val_accuracy: 0.83 } });
  });

  it('keeps the trainer’s own time and message', () => {
    const p = toProgressPoint({ at: '2026-01-05T08:59:00Z', message: 'warming up' }, 0, NOW);
    expect(p).toMatchObject({ at: '2026-01-05T08:59:00.000Z', message: 'warming up', values: {} });
  });

  it.each([
    [{ step: 'ten' }, 'points[3].step must be a finite number'],
    [{ total: Number.NaN }, 'points[3].total must be a finite number'],
    [{ at: 'yesterday' }, 'points[3].at must be an ISO-8601 time'],
    [{ message: 7 }, 'points[3].message must be a string'],
  ])('names the field of a point it cannot store: %p', (raw, message) => {
    expect(() => toProgressPoint(raw as Record<string, unknown>, 3, NOW)).toThrow(message);
  });

  it('thins evenly: the stride doubles only as far as the cap needs, the newest point always kept', () => {
    expect(keptCount(0, 1)).toBe(0);
    expect(keptCount(10, 1)).toBe(10);
    expect(keptCount(10, 4)).toBe(4); // 0, 4, 8 and the newest, 9
    expect(keptCount(9, 4)).toBe(3); // 0, 4, 8: the newest is on the stride
    expect(strideFor(10_000, 1, 10_000)).toBe(1);
    expect(strideFor(10_001, 1, 10_000)).toBe(2);
    const stride = strideFor(1_000_000, 1, 10_000);
    expect(keptCount(1_000_000, stride)).toBeLessThanOrEqual(10_000);
    expect(keptCount(1_000_000, stride / 2)).toBeGreaterThan(10_000);
  });
});
