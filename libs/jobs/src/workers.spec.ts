import type { HostSpec } from '@cis490/manifest';
import { JobConflictError, JobNotFoundError } from './errors';
import { capability, claimRequest, cudaCapability, JobsHarness, manifestOf, startJobs } from '../../../test/support/jobs.testing';

describe('workers and pending reasons', () => {
  let h: JobsHarness;
  beforeEach(async () => {
    h = await startJobs({ heartbeatIntervalS: 30 });
  });
  afterEach(() => h.close());

  /** Host entries come from the loaded manifest; set them the way a load would. */
  function useHosts(hosts: Record<string, HostSpec>) {
    h.useHosts(Object.values(hosts));
  }

  describe('WorkersService', () => {
    it('records workers, keeps first_seen, and reports online and current jobs', async () => {
      await h.queue.reload(manifestOf([{ mode: 'a' }, { mode: 'b' }]));
      const first = h.clock.now().toISOString();
      await h.workers.touch('w1', { hostname: 'lab1', capability: capability() });
      await h.workers.touch('w2', { hostname: 'gpu1', capability: cudaCapability(24, { hostname: 'gpu1' }) });
      const a = await h.claim(claimRequest('w1', capability()));
      const b = await h.claim(claimRequest('w1', capability()));
      h.clock.advance(60);
      await h.workers.touch('w1');
      await h.workers.touch('ghost');
      const list = await h.workers.list();
      expect(list.map((w) => w.worker_id)).toEqual(['w1', 'w2']);
      expect(list[0]).toMatchObject({
        hostname: 'lab1',
        capability: capability(),
        first_seen: first,
        last_seen: h.clock.now().toISOString(),
        online: true,
        current_job_ids: [a?.id, b?.id],
      });
      expect(list[1]).toMatchObject({ online: true, current_job_ids: [] });
      h.clock.advance(31); // w2 last seen 91 s ago: more than 3 × 30 s
      expect((await h.workers.list()).map((w) => [w.worker_id, w.online])).toEqual([
        ['w1', true],
        ['w2', false],
      ]);
      expect((await h.workers.online()).map((w) => w.worker_id)).toEqual(['w1']);
    });
  });

  describe('sightings from worker requests', () => {
    const lastSeen = async (workerId: string) =>
      (await h.workers.list()).find((w) => w.worker_id === workerId)?.last_seen;

    it('a claim records the worker, job or not; each later request moves last_seen, refused ones too', async () => {
      const m = manifestOf([{}]);
      await h.queue.reload(m);
      const first = h.clock.now().toISOString();
      const job = await h.claim(claimRequest('w1', capability(), { deny_jobs: ['mlp'] }));
      expect(await h.claim(claimRequest('w2', capability({ hostname: 'lab2' })))).toBeNull();
      expect(await h.workers.list()).toMatchObject([
        { worker_id: 'w1', capability: capability(), first_seen: first, last_seen: first, current_job_ids: [job?.id] },
        { worker_id: 'w2', hostname: 'lab2', first_seen: first, last_seen: first, current_job_ids: [] },
      ]);
      expect((await h.workers.online()).find((w) => w.worker_id === 'w1')).toMatchObject({ deny_jobs: ['mlp'] });

      h.clock.advance(5);
      await h.queue.heartbeat(m.jobs[0].id, { worker_id: 'w1' });
      expect(await lastSeen('w1')).toBe(h.clock.now().toISOString());

      h.clock.advance(5);
      await h.queue.assertUploader(m.jobs[0].id, 'w1');
      expect(await lastSeen('w1')).toBe(h.clock.now().toISOString());

      h.clock.advance(5);
      const refused = h.queue.fail(m.jobs[0].id, { worker_id: 'w2', error: 'not mine' });
      await expect(refused).rejects.toThrow(JobConflictError);
      expect(await lastSeen('w2')).toBe(h.clock.now().toISOString());

      h.clock.advance(5);
      await expect(h.queue.heartbeat('f'.repeat(64), { worker_id: 'w1' })).rejects.toThrow(JobNotFoundError);
      expect(await lastSeen('w1')).toBe(h.clock.now().toISOString());
      expect((await h.queue.get(m.jobs[0].id)).status).toBe('running');
    });
  });

  describe('pending_reason', () => {
    const reasonOf = async (id: string) => (await h.queue.get(id)).pending_reason;

    it('is null unless pending', async () => {
      const m = manifestOf([{}]);
      await h.queue.reload(m);
      await h.queue.cancel(m.jobs[0].id);
      expect(await reasonOf(m.jobs[0].id)).toBeNull();
    });

    it('says when no worker is online', async () => {
      const m = manifestOf([{}]);
      await h.queue.reload(m);
      expect(await reasonOf(m.jobs[0].id)).toBe('no worker is online');
      await h.workers.touch('w1', { hostname: 'lab1', capability: capability() });
      h.clock.advance(91);
      expect(await reasonOf(m.jobs[0].id)).toBe('no worker is online');
    });

    it('gives the one reason every online worker shares', async () => {
      const m = manifestOf([
        { require_cuda: true },
        { min_ram_gib: 64 },
        { allowed_hosts: ['lab9'] },
        { allowed_hosts: ['lab8', 'lab9'] },
      ]);
      await h.queue.reload(m);
      await h.workers.touch('w1', { hostname: 'lab1', capability: capability({ hostname: 'lab1' }) });
      await h.workers.touch('w2', { hostname: 'lab2', capability: capability({ hostname: 'lab2' }) });
      expect(await Promise.all(m.jobs.map((j) => reasonOf(j.id)))).toEqual([
        'needs CUDA and no online worker has it',
        'needs 64 GiB of RAM and no online worker has it',
        'may run only on lab9, which is not online',
        'may run only on lab8, lab9, none of which is online',
      ]);
    });

    it("lists each worker's reason when they differ, applying host entries and worker policy", async () => {
      const m = manifestOf([{ model: 'gbt', min_vram_gib: 16 }]);
      await h.queue.reload(m);
      useHosts({ gpu1: { hostname: 'gpu1', vram_gib: 8 } });
      await h.workers.touch('w1', { hostname: 'lab1', capability: capability() });
      await h.workers.touch('w2', { hostname: 'gpu1', capability: cudaCapability(24, { hostname: 'gpu1' }) });
      await h.workers.touch('w3', {
        hostname: 'gpu2',
        capability: cudaCapability(24, { hostname: 'gpu2' }),
        deny_jobs: ['gbt'],
      });
      expect(await reasonOf(m.jobs[0].id)).toBe(
        'no online worker can run it: w1 (needs CUDA), w2 (needs 16 GiB of VRAM), w3 (model gbt is denied on gpu2)',
      );
    });

    it('says it waits for a free worker when some online worker could run it', async () => {
      const m = manifestOf([{}]);
      await h.queue.reload(m);
      await h.workers.touch('w1', { hostname: 'lab1', capability: capability() });
      expect(await reasonOf(m.jobs[0].id)).toBe('waiting for a free worker (1 online worker can run it)');
      await h.workers.touch('w2', { hostname: 'lab2', capability: capability({ hostname: 'lab2' }) });
      expect(await reasonOf(m.jobs[0].id)).toBe('waiting for a free worker (2 online workers can run it)');
    });
  });
});
