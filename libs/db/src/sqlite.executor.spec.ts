import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openDb, type TestDb } from '../../../test/support/db.testing';
import type { Sql } from './db';

/** SQLite's synchronous level as the running transaction sees it: 1 NORMAL, 2 FULL. */
const level = async (sql: Sql) => (await sql.rows<{ synchronous: number }>('PRAGMA synchronous'))[0].synchronous;

describe('SqliteExecutor durable writes', () => {
  let dir: string;
  let database: TestDb;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cis490-db-'));
    database = await openDb({ dataDir: dir });
  });
  afterEach(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('commits ordinary writes at NORMAL, and a group holding a durable one at FULL, then goes back', async () => {
    expect(await database.db.write(level)).toBe(1);
    // Queued in one turn: one transaction, whose COMMIT syncs the WAL for all three.
    const group = await Promise.all([
      database.db.write(level),
      database.db.write(level, { durable: true }),
      database.db.write(level),
    ]);
    expect(group).toEqual([2, 2, 2]);
    expect(await database.db.write(level)).toBe(1);
    expect(await database.db.read(level)).toBe(1);
  });

  it('goes back to NORMAL after a durable write that failed', async () => {
    await expect(
      database.db.write(async () => {
        throw new Error('refused');
      }, { durable: true }),
    ).rejects.toThrow('refused');
    expect(await database.db.write(level)).toBe(1);
  });
});
