import { spawnSync } from 'node:child_process';
import { BIN, spawnReceiver } from '../support/receiver.process';
import { capability } from '../support/receiver.harness';
import type { ClaimResponse, HealthView, JobDetail, JobPage } from '@cis490/contract';

// A retry after a sweep waits out retry_backoff_s; 0 keeps this test about the sweep itself.
const MANIFEST = '[[jobs]]\nmodel = "gbt"\nmode = "realistic"\nmax_attempts = 2\nretry_backoff_s = 0\n';

describe('the receiver process', () => {
  it('refuses a bad variable at start with one line naming it', () => {
    const r = spawnSync(process.execPath, [BIN.receiver], {
      env: { PATH: process.env.PATH, CIS490_PORT: 'eighty', CIS490_DATA_DIR: '/nonexistent' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/CIS490_PORT/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('starts with an invalid manifest, serving what it has and reporting the error in /v1/health', async () => {
    const rx = await spawnReceiver('[[jobs]]\nmodel = "gbt"\nrequre_cuda = true\n');
    try {
      const health = (await (await fetch(`${rx.url}/v1/health`)).json()) as HealthView;
      expect(health.status).toBe('ok');
      expect(health.manifest.error).toMatch(/requre_cuda/);
      expect(health.manifest.jobs).toBe(0);
    } finally {
      await rx.close();
    }
  });

  it('sweeps a silent worker’s job back to pending, then fails it when attempts are used up', async () => {
    const rx = await spawnReceiver(MANIFEST, { CIS490_STALE_AFTER_S: '1', CIS490_SWEEP_INTERVAL_S: '1' });
    const claim = () =>
      fetch(`${rx.url}/v1/job/claim`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ worker_id: 'lab1', hostname: 'lab1', capability: capability() }),
      }).then((r) => r.json() as Promise<ClaimResponse>);
    const waitFor = async (status: string) => {
      for (let i = 0; i < 100; i++) {
        const { jobs } = (await (await fetch(`${rx.url}/v1/jobs`)).json()) as JobPage;
        if (jobs[0].status === status) return jobs[0];
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`job never became ${status}`);
    };
    try {
      const { job } = await claim();
      const requeued = await waitFor('pending');
      expect(requeued.error).toMatch(/worker lab1 went silent/);
      expect(requeued.attempts).toBe(1);
      await claim();
      const failed = await waitFor('failed');
      expect(failed.attempts).toBe(2);
      const metrics = await (await fetch(`${rx.url}/metrics`)).text();
      expect(metrics).toContain('cis490_sweep_requeued_total 1');
      expect(metrics).toContain('cis490_sweep_failed_total 1');
      const detail = (await (await fetch(`${rx.url}/v1/job/${job.id}`)).json()) as JobDetail;
      expect(detail.events.map((e: { to: string }) => e.to)).toEqual(['pending', 'claimed', 'pending', 'claimed', 'failed']);
    } finally {
      await rx.close();
    }
  });
});
