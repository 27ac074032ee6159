import { EventEmitter } from 'node:events';
import { jobView, workerView } from '../../../../test/support/views.fixtures';
import { PLAIN } from '../output/colors';
import { FleetState } from './fleet-state';
import { fitWidth, MIN_REDRAW_MS } from './terminal-screen';
import { LineView, ScreenView } from './watch-views';

/** A terminal as far as the screen uses one: what was written, its size, resize events. */
class FakeTerminal extends EventEmitter {
  columns = 60;
  rows = 12;
  written: string[] = [];
  write(s: string): boolean {
    this.written.push(s);
    return true;
  }
}

const snapshot = (state: FleetState) =>
  state.replace({
    counts: { pending: 0, claimed: 0, running: 1, completed: 0, failed: 0, cancelled: 0 },
    workers: [workerView({ current_job_ids: [jobView().id] })],
    jobs: [jobView()],
  });

describe('LineView', () => {
  it('prints a time-stamped line per change, and nothing when what it would say is unchanged', () => {
    const lines: string[] = [];
    const view = new LineView((l) => lines.push(l), 'http://rx:8471', () => Date.parse('2026-11-28T12:00:00.5Z'));
    const state = new FleetState();
    view.connection(null);
    snapshot(state);
    view.loaded(state, null);
    // A heartbeat moves last_seen only: nothing new to say.
    view.changed(state, { id: 2, event: 'worker', data: workerView({ last_seen: '2026-11-28T12:00:09Z', current_job_ids: [jobView().id] }) });
    view.connection('receiver unreachable, retrying (ECONNREFUSED)');
    view.connection('receiver unreachable, retrying (ECONNREFUSED)');
    view.connection(null);
    view.loaded(state, 'events after 5 are no longer held');
    view.changed(state, { id: 3, event: 'job', data: jobView({ status: 'completed' }) });
    expect(lines).toEqual([
      '2026-11-28T12:00:00Z watching http://rx:8471',
      '2026-11-28T12:00:00Z jobs pending 0  claimed 0  running 1  completed 0  failed 0  cancelled 0  (1 in all)',
      '2026-11-28T12:00:00Z worker lab1 (host lab1) online, running 3f2a9c1d0a1b',
      '2026-11-28T12:00:00Z job 3f2a9c1d0a1b gbt/realistic seed 0 running on lab1 (attempt 1)',
      '2026-11-28T12:00:00Z receiver unreachable, retrying (ECONNREFUSED)',
      '2026-11-28T12:00:00Z watching http://rx:8471',
      '2026-11-28T12:00:00Z event stream reset (events after 5 are no longer held): state read again',
      '2026-11-28T12:00:00Z job 3f2a9c1d0a1b gbt/realistic seed 0 completed',
    ]);
  });
});

describe('ScreenView', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('draws on the alternate screen, at most every MIN_REDRAW_MS, and gives the terminal back on close', () => {
    const term = new FakeTerminal();
    const view = new ScreenView(term as unknown as NodeJS.WriteStream, 'http://rx:8471', PLAIN);
    view.open();
    expect(term.written[0]).toBe('\u001b[?1049h\u001b[?25l');
    expect(term.written[1]).toMatch(/connecting…/);
    const state = new FleetState();
    snapshot(state);
    view.loaded(state);
    view.changed();
    view.changed();
    expect(term.written).toHaveLength(2);
    jest.advanceTimersByTime(MIN_REDRAW_MS);
    expect(term.written).toHaveLength(3);
    const frame = term.written[2];
    expect(frame.startsWith('\u001b[H')).toBe(true);
    for (const line of frame.split('\n')) expect(line.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').length).toBeLessThanOrEqual(term.columns);
    expect(frame).toMatch(/3f2a9c1d0a1b/);

    term.emit('resize');
    expect(term.written).toHaveLength(4);
    view.close();
    expect(term.written.at(-1)).toBe('\u001b[?25h\u001b[?1049l');
    jest.advanceTimersByTime(5000);
    expect(term.written.at(-1)).toBe('\u001b[?25h\u001b[?1049l');
  });
});

describe('fitWidth', () => {
  it('cuts to the width on screen, colour codes whole, a cut colour ended', () => {
    expect(fitWidth('abcdef', 6)).toBe('abcdef');
    expect(fitWidth('abcdefg', 6)).toBe('abcde…');
    expect(fitWidth('\u001b[31mabcdefg\u001b[39m', 4)).toBe('\u001b[31mabc…\u001b[0m');
    expect(fitWidth('ab\u001b[1mcd\u001b[22m', 4)).toBe('ab\u001b[1mcd\u001b[22m');
  });
});
