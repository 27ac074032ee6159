import * as fs from 'node:fs';
import * as path from 'node:path';
import { databaseOptions, MIGRATIONS, SQLITE_BUSY_TIMEOUT_MS, SQLITE_FILE_NAME } from '@cis490/db';
import { capability, claimRequest, cudaCapability, JobsHarness, manifestOf, startJobs } from '../../../test/support/jobs.testing';

describe('database', () => {
  let h: JobsHarness;
  beforeAll(async () => {
    h = await startJobs();
    await h.queue.reload(manifestOf(Array.from({ length: 300 }, (_, i) => ({ model: `m${i % 3}`, priority: i % 2 }))));
  });
  afterAll(() => h.close());

  it('chooses PostgreSQL for postgres:// URLs and SQLite in the data dir otherwise', () => {
    expect(databaseOptions({ dataDir: h.dataDir, databaseUrl: 'postgresql://u@db/fleet' })).toMatchObject({
      type: 'postgres',
      synchronize: false,
    });
    expect(databaseOptions({ dataDir: h.dataDir, databaseUrl: '' })).toMatchObject({
      type: 'better-sqlite3',
      database: path.join(h.dataDir, SQLITE_FILE_NAME),
      migrationsRun: true,
      synchronize: false,
    });
  });

  it('creates the SQLite file by migration, in WAL mode with a short busy timeout (writes wait for a lock asynchronously)', async () => {
    expect(fs.existsSync(path.join(h.dataDir, SQLITE_FILE_NAME))).toBe(true);
    const migrations: { name: string }[] = await h.dataSource.query(`SELECT name FROM migrations`);
    expect(migrations.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await h.dataSource.query(`PRAGMA journal_mode`)).toEqual([{ journal_mode: 'wal' }]);
    expect(await h.dataSource.query(`PRAGMA busy_timeout`)).toEqual([{ timeout: SQLITE_BUSY_TIMEOUT_MS }]);
  });

  it('syncs at checkpoints, not at every commit (synchronous = NORMAL under WAL)', async () => {
    expect(await h.dataSource.query(`PRAGMA synchronous`)).toEqual([{ synchronous: 1 }]);
  });

  it('keeps the savepoints\' journals of a group commit in memory, not in temp files (temp_store = MEMORY)', async () => {
    expect(await h.dataSource.query(`PRAGMA temp_store`)).toEqual([{ temp_store: 2 }]);
  });

  /** The plan SQLite picks for the statements a call actually runs. */
  async function plansOf(call: () => Promise<unknown>, match: RegExp): Promise<string[]> {
    const seen: [string, unknown[]][] = [];
    const spy = jest.spyOn(h.dataSource.logger, 'logQuery').mockImplementation((q: string, p?: unknown) => {
      if (match.test(q)) seen.push([q, Array.isArray(p) ? p : []]);
    });
    try {
      await call();
    } finally {
      spy.mockRestore();
    }
    expect(seen.length).toBeGreaterThan(0);
    const plans: string[] = [];
    for (const [q, p] of seen) {
      const rows: { detail: string }[] = await h.dataSource.query(`EXPLAIN QUERY PLAN ${q}`, p);
      plans.push(rows.map((r) => r.detail).join('\n'));
    }
    return plans;
  }

  it('claims by walking a claim-order index, without sorting', async () => {
    for (const cap of [capability(), cudaCapability()]) {
      const [plan] = await plansOf(
        () => h.claim(claimRequest('w', cap, { deny_jobs: ['m2'] })),
        /^\s*UPDATE jobs/,
      );
      expect(plan).toMatch(cap.cuda ? /idx_jobs_claim_cuda/ : /idx_jobs_claim_cpu/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('serves deep keyset pages and filtered lists from indexes, without sorting or OFFSET', async () => {
    const first = await h.queue.list({ limit: 200 });
    const deep = first.next_cursor as string;
    for (const q of [
      { cursor: deep },
      { status: 'pending' as const, cursor: deep },
      { model: 'm1', cursor: deep },
      { worker_id: 'w' },
    ]) {
      const plans = await plansOf(() => h.queue.list({ limit: 50, ...q }), /FROM jobs\s+WHERE|FROM jobs\s+ORDER/);
      expect(plans[0]).toMatch(/USING INDEX idx_jobs_\w*list/);
      expect(plans[0]).not.toMatch(/TEMP B-TREE/);
      expect(plans[0]).not.toMatch(/OFFSET/i);
    }
  });

  it('finds stale jobs and id prefixes by index', async () => {
    const [stale] = await plansOf(() => h.sweep.sweep(), /heartbeat_at </);
    expect(stale).toMatch(/idx_jobs_status_heartbeat/);
    const [prefix] = await plansOf(() => h.queue.resolveId('0123456789').catch(() => null), /id >= /);
    expect(prefix).toMatch(/PRIMARY KEY|sqlite_autoindex_jobs/);
  });
});

describe('schema', () => {
  let h: JobsHarness;
  beforeAll(async () => {
    h = await startJobs();
  });
  afterAll(() => h.close());

  it('holds the rows the queue writes to the tables the migrations create, column for column', async () => {
    const inserts: string[] = [];
    const spy = jest.spyOn(h.dataSource.logger, 'logQuery').mockImplementation((q: string) => {
      if (/^INSERT INTO jobs /.test(q)) inserts.push(q);
    });
    try {
      await h.queue.reload(manifestOf([{ mode: 'a' }]));
    } finally {
      spy.mockRestore();
    }
    const written = /^INSERT INTO jobs \(([^)]*)\)/.exec(inserts[0])![1].split(', ');
    const migrated: { name: string }[] = await h.dataSource.query(`PRAGMA table_info(jobs)`);
    expect([...written].sort()).toEqual(migrated.map((c) => c.name).sort());
    // And what is read back becomes a view without a column left over or missing.
    const [job] = (await h.queue.list({})).jobs;
    expect(job).toMatchObject({ mode: 'a', status: 'pending', require_cuda: false, in_manifest: true });
  });
});
