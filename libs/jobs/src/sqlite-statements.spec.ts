import Database from 'better-sqlite3';
import * as path from 'node:path';
import { type Sql, SQLITE_FILE_NAME } from '@cis490/db';
import { QueueRepository } from './queue.repository';
import { JobsHarness, manifestOf, startJobs } from '../../../test/support/jobs.testing';

/** Lets other queued work run, as an `await` on real I/O would. */
const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('QueueRepository on SQLite', () => {
  let h: JobsHarness;
  let repo: QueueRepository;
  let jobId: string;
  beforeEach(async () => {
    h = await startJobs();
    repo = h.module.get(QueueRepository);
    const m = manifestOf([{ mode: 'a' }]);
    await h.queue.reload(m);
    jobId = m.jobs[0].id;
  });
  afterEach(() => h.close());

  const eventCount = async () =>
    (await h.db.read((db) => db.rows<{ n: number }>(`SELECT COUNT(*) AS n FROM job_events`)))[0].n;

  const insertEvent = (db: Sql, reason: string) =>
    repo.insertEvents(db, [
      {
        job_id: jobId,
        at: '2026-01-05T09:00:00.000Z',
        from_status: null,
        to_status: 'pending',
        worker_id: null,
        reason,
      },
    ]);

  it('binds booleans as 1/0 and undefined as NULL, answers rows or the number of changed rows', async () => {
    const [row] = await h.db.read((db) =>
      db.rows(`SELECT $1 AS t, $2 AS f, $3 AS u, $4 AS s`, [true, false, undefined, 'x']),
    );
    expect(row).toEqual({ t: 1, f: 0, u: null, s: 'x' });
    const changed = await h.db.write((db) => db.run(`UPDATE jobs SET priority = $1`, [7]));
    expect(changed).toBe(1);
    const returned = await h.db.write((db) =>
      db.rows<{ priority: number }>(`UPDATE jobs SET priority = 8 RETURNING priority`),
    );
    expect(returned).toEqual([{ priority: 8 }]);
  });

  it('commits a write section as a whole, and a failed one leaves nothing behind', async () => {
    const before = await eventCount();
    await expect(
      h.db.write(async (db) => {
        await insertEvent(db, 'first');
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await eventCount()).toBe(before);
    // The connection is not left inside the failed transaction.
    await h.db.write(async (db) => {
      await insertEvent(db, 'one');
      await insertEvent(db, 'two');
    });
    expect(await eventCount()).toBe(before + 2);
  });

  it('runs sections one at a time: a read never sees another section half done', async () => {
    const before = await eventCount();
    const seen: number[] = [];
    const writing = h.db.write(async (db) => {
      await insertEvent(db, 'one');
      await yieldToOthers();
      await insertEvent(db, 'two');
    });
    const reading = eventCount().then((n) => seen.push(n));
    const other = h.db.write((db) => insertEvent(db, 'three'));
    await Promise.all([writing, reading, other]);
    expect(seen).toEqual([before + 2]);
    expect(await eventCount()).toBe(before + 3);
  });

  it('keeps answering when more distinct statements run than it keeps prepared', async () => {
    const answers = await h.db.read(async (db) => {
      const out: number[] = [];
      for (let i = 0; i < 250; i++) out.push((await db.rows<{ n: number }>(`SELECT ${i} AS n`))[0].n);
      out.push((await db.rows<{ n: number }>(`SELECT 0 AS n`))[0].n);
      return out;
    });
    expect(answers).toEqual([...Array.from({ length: 250 }, (_, i) => i), 0]);
  });

  describe('group commit', () => {
    /** What another connection (the CLI, a backup) sees: committed rows only. */
    const committedReasons = () => {
      const other = new Database(path.join(h.dataDir, SQLITE_FILE_NAME), { readonly: true });
      try {
        return other
          .prepare(`SELECT reason FROM job_events WHERE reason LIKE 'g-%' ORDER BY id`)
          .all()
          .map((r) => (r as { reason: string }).reason);
      } finally {
        other.close();
      }
    };

    it('commits write sections called together in one transaction, answering each after the COMMIT', async () => {
      const seenBySecond: string[][] = [];
      let seenWhenFirstAnswered: string[] = [];
      const first = h.db.write((db) => insertEvent(db, 'g-1')).then(() => {
        seenWhenFirstAnswered = committedReasons();
      });
      const second = h.db.write(async (db) => {
        await insertEvent(db, 'g-2');
        // Its own transaction holds g-1 too, and no other connection sees either yet.
        seenBySecond.push(committedReasons());
        return 'second done';
      });
      await expect(Promise.all([first, second])).resolves.toEqual([undefined, 'second done']);
      expect(seenBySecond).toEqual([[]]);
      expect(seenWhenFirstAnswered).toEqual(['g-1', 'g-2']);
      expect(committedReasons()).toEqual(['g-1', 'g-2']);
    });

    it('rolls a section that throws back alone; the others in its group commit', async () => {
      const outcomes = await Promise.allSettled([
        h.db.write((db) => insertEvent(db, 'g-1')),
        h.db.write(async (db) => {
          await insertEvent(db, 'g-refused');
          throw new Error('refused');
        }),
        h.db.write((db) => insertEvent(db, 'g-3')),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('refused');
      expect(committedReasons()).toEqual(['g-1', 'g-3']);
    });

    it('fails every section of a group whose COMMIT fails, and the next group goes on', async () => {
      const outcomes = await Promise.allSettled([
        h.db.write((db) => insertEvent(db, 'g-1')),
        h.db.write(async (db) => {
          // A foreign key checked only at COMMIT: the whole transaction cannot commit.
          await db.run(`PRAGMA defer_foreign_keys = ON`);
          await db.run(`INSERT INTO job_events (job_id, at, to_status, reason) VALUES ('no-such-job', 'now', 'pending', 'g-orphan')`);
        }),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
      expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
      expect(committedReasons()).toEqual([]);
      await h.db.write((db) => insertEvent(db, 'g-after'));
      expect(committedReasons()).toEqual(['g-after']);
    });

    it('when a section cannot be rolled back to its savepoint, fails its group and the connection stays usable', async () => {
      const outcomes = await Promise.allSettled([
        h.db.write((db) => insertEvent(db, 'g-1')),
        h.db.write(async (db) => {
          await insertEvent(db, 'g-2');
          // Its savepoint (named by the implementation) is gone: ROLLBACK TO has nothing to return to.
          await db.run('RELEASE section');
          throw new Error('refused');
        }),
      ]);
      expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason.message) : 'ok'))).toEqual([
        expect.stringMatching(/no such savepoint/),
        'refused',
      ]);
      expect(committedReasons()).toEqual([]);
      await h.db.write((db) => insertEvent(db, 'g-after'));
      expect(committedReasons()).toEqual(['g-after']);
    });

    it('when SQLite ends the transaction itself, fails the sections it carried and runs the rest in a new one', async () => {
      const outcomes = await Promise.allSettled([
        h.db.write((db) => insertEvent(db, 'g-1')),
        h.db.write(async (db) => {
          // What SQLite does by itself after a full disk or an I/O error.
          await db.run('ROLLBACK');
          throw new Error('disk full');
        }),
        h.db.write((db) => insertEvent(db, 'g-3')),
      ]);
      expect(outcomes.map((o) => (o.status === 'rejected' ? o.reason.message : 'ok'))).toEqual(['disk full', 'disk full', 'ok']);
      expect(committedReasons()).toEqual(['g-3']);
    });
  });
});
