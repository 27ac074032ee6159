import { AmbiguousJobIdError, InvalidCursorError, JobNotFoundError } from './errors';
import type { JobStatus } from '@cis490/contract';
import { capability, claimRequest, JobsHarness, manifestOf, startJobs } from '../../../test/support/jobs.testing';

describe('QueueService read side', () => {
  let h: JobsHarness;
  beforeEach(async () => {
    h = await startJobs();
  });
  afterEach(() => h.close());

  describe('list', () => {
    it('pages through every job in manifest order with an opaque cursor, null on the last page', async () => {
      const m = manifestOf(Array.from({ length: 25 }, (_, i) => ({ mode: `m${i}` })));
      await h.queue.reload(m);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await h.queue.list({ limit: 10, cursor });
        seen.push(...page.jobs.map((j) => j.id));
        cursor = page.next_cursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(m.jobs.map((j) => j.id));
      const exact = await h.queue.list({ limit: 25 });
      expect(exact.next_cursor).toBeNull();
    });

    it('filters by status, model, mode and worker, with counts over all jobs', async () => {
      await h.queue.reload(
        manifestOf([
          { model: 'gbt', mode: 'oracle' },
          { model: 'gbt', mode: 'realistic' },
          { model: 'mlp', mode: 'realistic' },
          { model: 'mlp', mode: 'oracle' },
        ]),
      );
      await h.claim(claimRequest('w1', capability()));
      await h.claim(claimRequest('w2', capability()));
      const modes = async (q: object) => (await h.queue.list(q)).jobs.map((j) => `${j.model}/${j.mode}`);
      expect(await modes({ status: 'pending' })).toEqual(['mlp/realistic', 'mlp/oracle']);
      expect(await modes({ model: 'gbt' })).toEqual(['gbt/oracle', 'gbt/realistic']);
      expect(await modes({ mode: 'realistic' })).toEqual(['gbt/realistic', 'mlp/realistic']);
      expect(await modes({ worker_id: 'w2' })).toEqual(['gbt/realistic']);
      expect(await modes({ model: 'mlp', mode: 'oracle', status: 'pending' })).toEqual(['mlp/oracle']);
      const page = await h.queue.list({ status: 'completed' });
      expect(page.jobs).toEqual([]);
      const counts: Record<JobStatus, number> = {
        pending: 2,
        claimed: 2,
        running: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
      };
      expect(page.counts).toEqual(counts);
      expect(await h.queue.counts()).toEqual(counts);
    });

    it('refuses a cursor it did not make', async () => {
      await expect(h.queue.list({ cursor: 'not-a-cursor' })).rejects.toThrow(InvalidCursorError);
      await expect(h.queue.list({ cursor: Buffer.from('{"a":1}').toString('base64url') })).rejects.toThrow(
        InvalidCursorError,
      );
    });
  });

  describe('resolveId', () => {
    const ids = ['abcdef0011', 'abcdef0022', 'fedcba9876'].map((p) => p.padEnd(64, '0'));
    beforeEach(() => h.queue.reload(manifestOf(ids.map((id) => ({ id })))));

    it('accepts a full id and a unique prefix of at least 8 hex characters, in any case', async () => {
      expect(await h.queue.resolveId(ids[2])).toBe(ids[2]);
      expect(await h.queue.resolveId('fedcba98')).toBe(ids[2]);
      expect(await h.queue.resolveId('ABCDEF001')).toBe(ids[0]);
      expect((await h.queue.get('abcdef002')).id).toBe(ids[1]);
    });

    it('reports an ambiguous prefix with its matches', async () => {
      const err = await h.queue.resolveId('abcdef00').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AmbiguousJobIdError);
      expect((err as AmbiguousJobIdError).matches).toEqual([ids[0], ids[1]]);
      await expect(h.queue.cancel('abcdef00')).rejects.toThrow(AmbiguousJobIdError);
    });

    it('acts on a full id, in either case, without a prefix lookup; an unknown full id is not found', async () => {
      const prefixLookups: string[] = [];
      const spy = jest.spyOn(h.dataSource.logger, 'logQuery').mockImplementation((q: string) => {
        if (/id >= /.test(q)) prefixLookups.push(q);
      });
      try {
        expect((await h.queue.cancel(ids[2].toUpperCase())).status).toBe('cancelled');
        expect((await h.queue.get(ids[2])).id).toBe(ids[2]);
        await expect(h.queue.get('f'.repeat(64))).rejects.toThrow(JobNotFoundError);
        await expect(h.queue.requeue('f'.repeat(64))).rejects.toThrow(JobNotFoundError);
      } finally {
        spy.mockRestore();
      }
      expect(prefixLookups).toEqual([]);
      expect((await h.queue.get(ids[2].slice(0, 10))).id).toBe(ids[2]);
    });

    it('treats short, non-hex and unknown ids as not found', async () => {
      await expect(h.queue.resolveId('abcdef0')).rejects.toThrow(JobNotFoundError);
      await expect(h.queue.resolveId('abcdef0g')).rejects.toThrow(JobNotFoundError);
      await expect(h.queue.resolveId('00000000')).rejects.toThrow(JobNotFoundError);
      await expect(h.queue.get('fedcba99')).rejects.toThrow(JobNotFoundError);
    });
  });
});
