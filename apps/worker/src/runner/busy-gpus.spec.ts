import { BusyGpus } from './busy-gpus';
import { WorkerLog } from './worker.log';

/** A log that keeps its lines. */
class Lines extends WorkerLog {
  readonly lines: string[] = [];
  override info(line: string): void {
    this.lines.push(line);
  }
  override warn(line: string): void {
    this.lines.push(`warning: ${line}`);
  }
}

describe('BusyGpus', () => {
  it('counts a GPU busy above the threshold, among the candidates only, logging changes', async () => {
    const log = new Lines();
    let used = new Map([
      [0, 20_000],
      [1, 1024],
      [2, 30_000],
    ]);
    const busy = new BusyGpus(log, 1024, async () => used);
    expect([...(await busy.among([0, 1]))]).toEqual([0]);
    expect([...(await busy.among([0, 1]))]).toEqual([0]);
    used = new Map([[0, 3]]);
    expect([...(await busy.among([0, 1, 2]))]).toEqual([]);
    expect(log.lines).toEqual([
      'GPU 0 (20000 MiB) in use by other processes (over 1024 MiB): not offered',
      'no GPU busy with other processes',
    ]);
  });

  it('offers every GPU when nvidia-smi cannot say, and says so once', async () => {
    const log = new Lines();
    let asked = 0;
    const busy = new BusyGpus(log, 0, async () => (asked++, null));
    expect((await busy.among([0, 1])).size).toBe(0);
    expect((await busy.among([0])).size).toBe(0);
    expect((await busy.among([])).size).toBe(0);
    expect(asked).toBe(2);
    expect(log.lines).toEqual([expect.stringMatching(/^warning: nvidia-smi did not report GPU memory in use/)]);
  });
});
