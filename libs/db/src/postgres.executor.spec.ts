import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { describeOnPostgres, freshDatabase, type TestDatabase } from '../../../test/support/postgres';
import { databaseOptions } from './database.options';
import { migrateOnce } from './migrate-once';
import { PostgresExecutor } from './postgres.executor';

const WORKER = `INSERT INTO workers (worker_id, hostname, capability, first_seen, last_seen) VALUES ($1, 'h', '{}', 't', 't')`;
const count = (db: PostgresExecutor) =>
  db.read(async (sql) => Number((await sql.rows<{ n: string }>(`SELECT COUNT(*) AS n FROM workers`))[0].n));

/** The executor on a migrated database: transactions, pipelined statements, prepared texts, its pool. */
describeOnPostgres('PostgresExecutor', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let db: PostgresExecutor;
  let dataDir: string;
  beforeEach(async () => {
    database = await freshDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cis490-pg-executor-'));
    dataSource = await new DataSource(databaseOptions({ dataDir, databaseUrl: database.url })).initialize();
    await migrateOnce(dataSource);
    db = new PostgresExecutor(dataSource);
  });
  afterEach(async () => {
    await db?.onModuleDestroy().catch(() => undefined);
    await dataSource?.destroy();
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('commits a section whole, and rolls all of it back when a statement fails', async () => {
    await db.write(async (sql) => {
      await sql.run(WORKER, ['a']);
      await sql.run(WORKER, ['b']);
    });
    await expect(
      db.write(async (sql) => {
        await sql.run(WORKER, ['c']);
        await sql.run(WORKER, ['a']); // duplicate key
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await count(db)).toBe(2);
  });

  it('refuses to report a commit when an error the section caught broke its transaction', async () => {
    const section = db.write(async (sql) => {
      await sql.run(WORKER, ['a']);
      await sql.run(`SELECT 1 / 0`).catch(() => undefined);
      return 'done';
    });
    await expect(section).rejects.toThrow(/rolled back/);
    expect(await count(db)).toBe(0);
  });

  it('runs statements issued without waiting in order, in the same transaction', async () => {
    const [, , seen] = await db.write((sql) =>
      Promise.all([
        sql.run(WORKER, ['a']),
        sql.run(WORKER, ['b']),
        sql.rows<{ worker_id: string }>(`SELECT worker_id FROM workers ORDER BY worker_id`),
      ]),
    );
    expect(seen.map((r) => r.worker_id)).toEqual(['a', 'b']);
    await expect(
      db.write((sql) => Promise.all([sql.run(WORKER, ['c']), sql.run(WORKER, ['c']), sql.run(WORKER, ['d'])])),
    ).rejects.toThrow(/duplicate key/);
    expect(await count(db)).toBe(2);
  });

  it('commits each statement of an autocommit write on its own', async () => {
    await expect(
      db.write(
        async (sql) => {
          await sql.run(WORKER, ['a']);
          await sql.run(WORKER, ['a']); // duplicate key
        },
        { autocommit: true },
      ),
    ).rejects.toThrow(/duplicate key/);
    expect(await count(db)).toBe(1);
  });

  it('prepares a text once it keeps coming back, and only then', async () => {
    const prepared = await db.read(async (sql) => {
      for (let i = 0; i < 4; i++) expect(await sql.rows(`SELECT $1::int + 1 AS n`, [i])).toEqual([{ n: i + 1 }]);
      await sql.rows(`SELECT $1::int + 2 AS n`, [0]);
      return sql.rows<{ name: string; statement: string }>(`SELECT name, statement FROM pg_prepared_statements`);
    });
    expect(prepared).toEqual([{ name: expect.stringMatching(/^cis490_/), statement: 'SELECT $1::int + 1 AS n' }]);
  });

  it('ends its pool with the module', async () => {
    await count(db);
    await db.onModuleDestroy();
    await expect(count(db)).rejects.toThrow(/end/);
  });
});
