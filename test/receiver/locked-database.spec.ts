import Database from 'better-sqlite3';
import { join } from 'node:path';
import { SQLITE_FILE_NAME } from '@cis490/db';
import { claimBody, type Harness, startReceiver } from '../support/receiver.harness';
import { jobsToml } from '../support/manifest.fixtures';

const TWO = jobsToml([
  { model: 'gbt', mode: 'realistic', seed: 1 },
  { model: 'gbt', mode: 'realistic', seed: 2 },
]);

/** Another process holding SQLite's write lock (a backup, a sqlite3 shell) must not freeze the receiver. */
describe('receiver with its SQLite file locked by another process', () => {
  let h: Harness;
  let other: Database.Database;

  beforeEach(async () => {
    h = await startReceiver(TWO);
    other = new Database(join(h.config.dataDir, SQLITE_FILE_NAME));
  });
  afterEach(async () => {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    await h.close();
  });

  it('answers writes 503 with Retry-After, keeps serving reads meanwhile, tells the truth in health, and recovers', async () => {
    other.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    const claim = h.app.inject({ method: 'POST', url: '/v1/job/claim', payload: claimBody('lab1') });
    // While the claim waits for the lock, the event loop and reads are free.
    await new Promise((r) => setTimeout(r, 1_200));
    const t0 = Date.now();
    const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
    const list = await h.app.inject({ method: 'GET', url: '/v1/jobs' });
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(metrics.statusCode).toBe(200);
    expect(list.json().counts.pending).toBe(2);
    const health = await h.app.inject({ method: 'GET', url: '/v1/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json().message).toMatch(/lock another process holds/);

    const answer = await claim;
    expect(answer.statusCode).toBe(503);
    expect(answer.headers['retry-after']).toBe('5');
    expect(answer.json().message).toMatch(/locked by another process/);
    expect(Date.now() - started).toBeLessThan(8_000);

    other.exec('ROLLBACK');
    const again = await h.app.inject({ method: 'POST', url: '/v1/job/claim', payload: claimBody('lab1') });
    expect(again.statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/v1/health' })).json().db).toBe('ok');
  });

  it('is healthy again once the lock is released, though no write has come since the last one gave up', async () => {
    other.exec('BEGIN IMMEDIATE');
    const answer = await h.app.inject({ method: 'POST', url: '/v1/job/claim', payload: claimBody('lab1') });
    expect(answer.statusCode).toBe(503);
    other.exec('ROLLBACK');
    const health = await h.app.inject({ method: 'GET', url: '/v1/health' });
    expect([health.statusCode, health.json().db]).toEqual([200, 'ok']);
  });
});
