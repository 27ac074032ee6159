import { jobView, progressPoint, workerView } from '../../../../test/support/views.fixtures';
import { PLAIN } from '../output/colors';
import { FleetState } from '../watch/fleet-state';
import { describeJob, describeWorker, formatProgress, formatValues, formatWatchScreen } from './watch.format';

describe('watch formats', () => {
  it('progress: a bar with step/total and percent, a step alone without a total', () => {
    expect(formatProgress(progressPoint({ step: 250, total: 1000 }), true)).toBe(`${'█'.repeat(5)}${'░'.repeat(15)} 250/1000 25%`);
    expect(formatProgress(progressPoint({ step: 250, total: 1000 }), false)).toBe('250/1000 25%');
    expect(formatProgress(progressPoint({ step: 7, total: null }), true)).toBe('step 7');
    expect(formatProgress(progressPoint({ step: null, total: null, epoch: 3 }), true)).toBe('epoch 3');
    expect(formatProgress(null, true)).toBe('-');
    expect(formatValues({ loss: 0.412345, acc: 0.8, f1: 0.7, auc: 0.9 })).toBe('loss 0.4123  acc 0.8  f1 0.7  +1');
  });

  it('one line per job and per worker, saying what changed', () => {
    const running = jobView({ progress: progressPoint({ values: { loss: 0.41 }, message: 'epoch 2 of 10' }) });
    expect(describeJob(running)).toBe('job 3f2a9c1d0a1b gbt/realistic seed 0 running on lab1 (attempt 1), 120/1000 12%, loss 0.41, "epoch 2 of 10"');
    expect(describeJob(jobView({ status: 'failed', error: 'Traceback…\nValueError: bad lr' }))).toBe(
      'job 3f2a9c1d0a1b gbt/realistic seed 0 failed, ValueError: bad lr',
    );
    expect(describeJob(jobView({ status: 'completed', metrics: { accuracy: 0.9, notes: 'x' } }))).toBe(
      'job 3f2a9c1d0a1b gbt/realistic seed 0 completed, accuracy 0.9',
    );
    expect(describeWorker(workerView({ current_job_ids: ['a'.repeat(64), 'b'.repeat(64)] }))).toBe(
      'worker lab1 (host lab1) online, running aaaaaaaaaaaa +1',
    );
    expect(describeWorker(workerView({ online: false }))).toBe('worker lab1 (host lab1) offline');
  });

  it('the screen: counts, workers and the jobs they run with their progress; what is wrong in the first line', () => {
    const state = new FleetState();
    state.replace({
      counts: { pending: 2, claimed: 0, running: 1, completed: 4, failed: 1, cancelled: 0 },
      workers: [workerView({ current_job_ids: [jobView().id] })],
      jobs: [jobView({ progress: progressPoint({ values: { loss: 0.41 }, message: 'epoch 2' }) })],
    });
    const now = Date.parse('2026-11-28T12:03:00Z');
    const screen = formatWatchScreen(state, { receiver: 'http://rx:8471', problem: 'receiver unreachable, retrying (ECONNREFUSED)', loaded: true }, PLAIN, now);
    const lines = screen.split('\n');
    expect(lines[0]).toBe('cis490 fleet  http://rx:8471  receiver unreachable, retrying (ECONNREFUSED)  (Ctrl-C to quit)');
    expect(lines[1]).toBe('jobs     pending 2  claimed 0  running 1  completed 4  failed 1  cancelled 0  (8 in all)');
    expect(lines[2]).toBe('workers  1 online of 1');
    expect(screen).toMatch(/^ {2}lab1\s+lab1\s+yes\s+3f2a9c1d0a1b\s+3m ago$/m);
    expect(screen).toMatch(/^running {2}1$/m);
    expect(screen).toMatch(/^ {2}3f2a9c1d0a1b\s+gbt\/realistic\s+lab1\s+running\s+3m 0s\s+█+░+ 120\/1000 12%\s+loss 0.41\s+epoch 2$/m);
    expect(formatWatchScreen(new FleetState(), { receiver: 'http://rx:8471', problem: null, loaded: false }, PLAIN, now)).toMatch(/live.*\n\nconnecting…$/);
  });
});
