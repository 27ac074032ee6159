import Database from 'better-sqlite3';
import { join } from 'node:path';
import { claimBody } from '../support/receiver.harness';
import { ReceiverProcess, spawnReceiver } from '../support/receiver.process';
import { waitFor } from '../support/wait-for';
import { call } from '../support/http';
import { sweepManifest } from './faults.support';

const JOBS = 3000;
const CLAIMERS = 32;
/** Enough answered claims that the kill lands in the thick of the burst, far from the queue's end. */
const KILL_AFTER_CLAIMS = 300;
const STATUSES = ['pending', 'claimed', 'running', 'completed', 'failed', 'cancelled'];

/**
 * Claims in a loop for one worker until the receiver stops answering.
 * Every job the receiver said 200 to is recorded: it promised that claim.
 */
async function claimer(url: string, workerId: string, answered: Map<string, string>, stray: string[]): Promise<void> {
  for (;;) {
    let res: Response;
    try {
      res = await fetch(`${url}/v1/job/claim`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(claimBody(workerId)),
      });
    } catch {
      return; // the receiver is gone
    }
    if (res.status === 204) return;
    let body: any;
    try {
      body = await res.json();
    } catch {
      return; // cut off while answering: the claim was never promised
    }
    if (res.status !== 200) {
      stray.push(`${res.status} ${JSON.stringify(body)}`);
      return;
    }
    const id = body.job.id as string;
    if (answered.has(id)) stray.push(`job ${id} handed to ${answered.get(id)} and ${workerId}`);
    answered.set(id, workerId);
  }
}

/** What the database file says, read directly (read-only) with its own connection. */
function inspectDb(dbFile: string) {
  const db = new Database(dbFile, { readonly: true });
  try {
    return {
      integrity: db.pragma('integrity_check', { simple: true }),
      total: (db.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n,
      claimedWithoutWorker: db.prepare(`SELECT id FROM jobs WHERE status IN ('claimed', 'running') AND worker_id IS NULL`).all(),
      // Each attempt begins with exactly one claim event.
      attemptsWithoutOneClaimEvent: db
        .prepare(
          `SELECT * FROM (
             SELECT j.id, j.attempts,
               (SELECT count(*) FROM job_events e WHERE e.job_id = j.id AND e.to_status = 'claimed') AS claims
             FROM jobs j
           ) WHERE claims <> attempts`,
        )
        .all(),
      claimed: new Map(
        (db.prepare(`SELECT id, worker_id FROM jobs WHERE status = 'claimed'`).all() as { id: string; worker_id: string }[]).map(
          (r) => [r.id, r.worker_id],
        ),
      ),
    };
  } finally {
    db.close();
  }
}

describe('receiver SIGKILLed during a burst of claims', () => {
  let rx: ReceiverProcess | undefined;

  afterEach(async () => {
    await rx?.close();
    rx = undefined;
  });

  it('keeps every job in one state, every answered claim, and an intact database', async () => {
    rx = await spawnReceiver(sweepManifest(JOBS));
    const dbFile = join(rx.dataDir, 'training_jobs.db');
    expect((await call(rx.url, 'GET', '/v1/jobs?limit=1')).json.counts.pending).toBe(JOBS);

    const answered = new Map<string, string>();
    const stray: string[] = [];
    const claimers = Array.from({ length: CLAIMERS }, (_, i) => claimer(rx!.url, `burst-${i}`, answered, stray));
    await waitFor(`${KILL_AFTER_CLAIMS} claims`, () => answered.size >= KILL_AFTER_CLAIMS);
    await rx.stop('SIGKILL');
    await Promise.all(claimers);
    expect(stray).toEqual([]);
    expect(answered.size).toBeLessThan(JOBS);

    // The file as the crash left it (WAL and all), before the receiver touches it again.
    const crashed = inspectDb(dbFile);
    expect(crashed.integrity).toBe('ok');
    expect(crashed.total).toBe(JOBS);
    expect(crashed.claimedWithoutWorker).toEqual([]);
    expect(crashed.attemptsWithoutOneClaimEvent).toEqual([]);
    // A claim answered 200 is durable, and held by the worker it was answered to.
    for (const [id, workerId] of answered) expect(crashed.claimed.get(id)).toBe(workerId);

    await rx.restart();
    const { counts } = (await call(rx.url, 'GET', '/v1/jobs?limit=1')).json;
    expect(Object.keys(counts).sort()).toEqual([...STATUSES].sort());
    expect(STATUSES.reduce((sum, s) => sum + counts[s], 0)).toBe(JOBS);
    expect(counts.claimed).toBe(crashed.claimed.size);
    expect(counts.pending).toBe(JOBS - crashed.claimed.size);
    const sample = [...answered.keys()].slice(0, 5);
    for (const id of sample) {
      const job = (await call(rx.url, 'GET', `/v1/job/${id}`)).json;
      expect(job).toMatchObject({ status: 'claimed', worker_id: answered.get(id), attempts: 1 });
      expect(job.events.filter((e: { to: string }) => e.to === 'claimed')).toHaveLength(1);
    }
    // The restarted receiver hands out the rest, none of them twice.
    const next = await call(rx.url, 'POST', '/v1/job/claim', claimBody('after-restart'));
    expect(next.status).toBe(200);
    expect(crashed.claimed.has(next.json.job.id)).toBe(false);

    await rx.stop();
    const after = inspectDb(dbFile);
    expect(after.integrity).toBe('ok');
    expect(after.claimedWithoutWorker).toEqual([]);
    expect(after.attemptsWithoutOneClaimEvent).toEqual([]);
    expect(after.claimed.size).toBe(crashed.claimed.size + 1);
  });
});
