import { jobView, workerView } from '../../../../test/support/views.fixtures';
import { palette, PLAIN } from '../output/colors';
import { FleetState } from '../watch/fleet-state';
import { formatJobDetail } from './job-detail.format';
import { formatJobList } from './job-list.format';
import { formatStatus } from './status.format';
import { formatWorkers } from './workers.format';
import { formatWatchScreen } from './watch.format';

/** What a hostile worker or trainer sends: clear the screen, write the clipboard (OSC 52), retitle the window. */
const CLEAR = '\x1b[2J';
const CLIPBOARD = '\x1b]52;c;cm0gLXJmIH4=\x07';
const TITLE = '\x1b]0;pwned\x07';
/** Any control character but newline and tab; ESC among them. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
/** SGR colours are the CLI's own; anything else starting with ESC is not. */
const NOT_OURS = /\x1b(?!\[[0-9;]*m)|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f]/;

describe('human-readable output keeps a worker\'s escape sequences off the terminal', () => {
  const now = Date.parse('2026-11-28T12:00:05.000Z');
  const job = jobView({
    status: 'failed',
    error: `exit 3: boom${CLEAR}${CLIPBOARD}\nsecond line\r`,
    log_tail: `step 1\n${TITLE}step 2\n`,
    worker_id: 'lab1',
  });
  const worker = workerView({ hostname: `lab1${TITLE}`, worker_id: 'lab1' });

  it.each([
    ['show', () => formatJobDetail({ ...job, events: [], runs: [], pending_reason: null }, PLAIN, now)],
    ['list', () => formatJobList({ jobs: [job], counts: { pending: 0, claimed: 0, running: 0, completed: 0, failed: 1, cancelled: 0 }, next_cursor: null }, 10, PLAIN, now)],
    ['workers', () => formatWorkers([worker], PLAIN, now)],
    ['status', () =>
      formatStatus(
        {
          receiver: 'http://rx:8471',
          health: { status: 'ok', version: '1', uptime_s: 1, db: 'ok', manifest: { path: 'm', loaded_at: null, jobs: 1, error: `bad${CLEAR}` }, counts: { pending: 0, claimed: 0, running: 0, completed: 0, failed: 1, cancelled: 0 } } as never,
          workers: [worker],
          recentFailures: [job],
        },
        PLAIN,
        now,
      )],
  ])('%s', (_name, render) => {
    const text = render();
    expect(text).not.toMatch(CONTROL);
    expect(text).not.toContain('52;c;');
    expect(text).not.toContain('pwned');
  });

  it('keeps its own colours', () => {
    const text = formatWorkers([worker], palette(true), now);
    expect(text).toMatch(/\x1b\[[0-9;]*m/);
    expect(text).not.toMatch(NOT_OURS);
  });

  it('watch', () => {
    const state = new FleetState();
    state.replace({ counts: { pending: 0, claimed: 0, running: 1, completed: 0, failed: 0, cancelled: 0 }, workers: [worker], jobs: [] });
    state.apply({ id: 1, event: 'job', data: jobView({ status: 'running', worker_id: 'lab1', progress: { at: '2026-11-28T12:00:00.000Z', step: 1, total: 2, epoch: null, message: `half${CLEAR}`, values: {} } }) } as never);
    const text = formatWatchScreen(state, { width: 120, height: 40 } as never, PLAIN, now);
    expect(text).not.toMatch(CONTROL);
    expect(text).not.toContain('pwned');
  });
});
