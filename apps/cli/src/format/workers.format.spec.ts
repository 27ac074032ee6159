import { workerView } from '../../../../test/support/views.fixtures';
import { PLAIN } from '../output/colors';
import { formatWorkers } from './workers.format';

describe('formatWorkers', () => {
  it('shows slots used of total and which GPUs run which job, CPU jobs last', () => {
    const busy = workerView({
      worker_id: 'gpu1',
      hostname: 'gpu1',
      slots: 3,
      current_jobs: [
        { job_id: 'c'.repeat(64), gpus: [] },
        { job_id: 'b'.repeat(64), gpus: [2, 1] },
        { job_id: 'a'.repeat(64), gpus: [0] },
      ],
    });
    const lines = formatWorkers([busy, workerView()], PLAIN, Date.parse('2026-11-28T12:00:05.000Z')).split('\n');
    expect(lines[0]).toMatch(/^ID\s+HOST\s+ONLINE\s+CUDA\/VRAM\s+RAM\s+CORES\s+SLOTS\s+JOBS\s+LAST SEEN$/);
    expect(lines[1]).toMatch(/^gpu1\s+gpu1\s+yes\s+.*\s3\/3\s+gpu 0: aaaaaaaaaaaa, gpu 1,2: bbbbbbbbbbbb, cpu: cccccccccccc\s+5s ago$/);
    expect(lines[2]).toMatch(/^lab1\s+lab1\s+yes\s+.*\s0\/1\s+-\s+5s ago$/);
  });
});
