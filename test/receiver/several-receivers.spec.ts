import type { AddressInfo } from 'node:net';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { MIGRATIONS } from '@cis490/db';
import { StaleSweepService } from '@cis490/jobs';
import { call, claimOne } from '../support/http';
import { jobsToml } from '../support/manifest.fixtures';
import { describeOnPostgres, freshDatabase, type TestDatabase } from '../support/postgres';
import { claimBody, type Harness, startReceiver } from '../support/receiver.harness';
import { spawnReceiver, type ReceiverProcess } from '../support/receiver.process';
import { openEvents, type SseReader } from '../support/sse';

const ONE = jobsToml([{ model: 'gbt', mode: 'realistic', seed: 1 }]);
const many = (n: number) => jobsToml(Array.from({ length: n }, (_, i) => ({ model: 'gbt', mode: 'realistic', seed: i + 1 })));

type Receiver = Harness & { url: string };

/** SPEC §11: receivers sharing one PostgreSQL database act as one. */
describeOnPostgres('several receivers on one PostgreSQL database', () => {
  let database: TestDatabase;
  const receivers: Harness[] = [];
  const processes: ReceiverProcess[] = [];
  const readers: SseReader[] = [];

  /** A receiver in this process on the shared database, listening on a loopback port. */
  async function receiver(manifest: string, env: Record<string, string> = {}): Promise<Receiver> {
    const h = await startReceiver(manifest, { CIS490_DATABASE_URL: database.url, ...env });
    receivers.push(h);
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    return Object.assign(h, { url: `http://127.0.0.1:${(h.app.getHttpServer().address() as AddressInfo).port}` });
  }
  const reload = (rx: Receiver) => call(rx.url, 'POST', '/v1/manifest/reload', {}, { operator: true });
  const claim = (rx: Receiver, worker: string, over: Record<string, unknown> = {}, waitS = 0) =>
    call(rx.url, 'POST', `/v1/job/claim${waitS ? `?wait_s=${waitS}` : ''}`, claimBody(worker, over));

  beforeEach(async () => {
    database = await freshDatabase();
  });
  afterEach(async () => {
    readers.splice(0).forEach((r) => r.close());
    // SIGKILL: an event stream this process opened keeps its socket, and with it a receiver's graceful exit.
    for (const p of processes.splice(0)) await p.stop('SIGKILL').then(() => p.close());
    for (const h of receivers.splice(0)) await h.close();
    await database.drop();
  });

  it('migrates once when two receivers start together', async () => {
    const [a, b] = await Promise.all([receiver(ONE), receiver(ONE)]);
    const applied: { name: string }[] = await a.app.get<DataSource>(getDataSourceToken()).query('SELECT name FROM migrations');
    expect(applied.map((m) => m.name).sort()).toEqual(MIGRATIONS.map((m) => new m().name).sort());
    expect((await call(b.url, 'GET', '/v1/health')).status).toBe(200);
  });

  it('hands each of 2,000 jobs to exactly one of 32 claimers spread over two receivers', async () => {
    const a = await receiver(many(2000));
    const b = await receiver(many(2000));
    const got: string[] = [];
    await Promise.all(
      Array.from({ length: 32 }, async (_, i) => {
        const rx = i % 2 ? b : a;
        for (;;) {
          const r = await claim(rx, `w${i}`);
          if (r.status === 204) return;
          expect(r.status).toBe(200);
          got.push(r.json.job.id);
        }
      }),
    );
    expect(got).toHaveLength(2000);
    expect(new Set(got).size).toBe(2000);
    expect((await call(a.url, 'GET', '/v1/jobs?limit=1')).json.counts).toMatchObject({ pending: 0, claimed: 2000 });
  });

  it('enforces on every receiver a reload made through one', async () => {
    const a = await receiver(ONE);
    const b = await receiver(ONE);
    a.writeManifest(`${ONE}\n[hosts.lab1]\ndeny_jobs = ["gbt"]\n`);
    expect((await reload(a)).status).toBe(200);
    const loadedAt = (await call(a.url, 'GET', '/v1/health')).json.manifest.loaded_at;
    await eventually(async () => {
      expect((await call(b.url, 'GET', '/v1/health')).json.manifest).toMatchObject({ loaded_at: loadedAt, error: null, jobs: 1 });
    });
    expect((await claim(b, 'lab1')).status).toBe(204);
    a.writeManifest('this is = = not toml');
    expect((await reload(a)).status).toBe(422);
    await eventually(async () => {
      expect((await call(b.url, 'GET', '/v1/health')).json.manifest.error).toMatch(/./);
    });
    // The failed reload changed nothing: lab1 is still denied, another host still gets the job.
    expect((await claim(b, 'lab1')).status).toBe(204);
    expect((await claim(b, 'lab2')).status).toBe(200);
  });

  it('wakes a claim held on one receiver by a change made through the other', async () => {
    const a = await receiver('');
    const b = await receiver('');
    const held = claim(b, 'lab1', {}, 30);
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    a.writeManifest(ONE);
    expect((await reload(a)).status).toBe(200);
    const answer = await held;
    expect(answer.status).toBe(200);
    expect(answer.json.job).toMatchObject({ model: 'gbt', worker_id: 'lab1' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('tells /v1/events on one receiver the transitions made through the other', async () => {
    const env = { CIS490_DATABASE_URL: database.url };
    const a = await spawnReceiver(ONE, env);
    processes.push(a);
    const b = await spawnReceiver(ONE, env);
    processes.push(b);
    const stream = await openEvents(`${b.url}/v1/events`);
    readers.push(stream);
    const job = await claimOne(a.url, 'lab1');
    const claimed = await stream.next((m) => m.event === 'job' && m.data.id === job.id && m.data.status === 'claimed');
    expect(claimed.data.worker_id).toBe('lab1');
    await call(a.url, 'POST', `/v1/job/${job.id}/heartbeat`, { worker_id: 'lab1' });
    await stream.next((m) => m.event === 'job' && m.data.id === job.id && m.data.status === 'running');
  });

  it('sweeps a stale job once, on one receiver at a time', async () => {
    const env = { CIS490_STALE_AFTER_S: '1', CIS490_HEARTBEAT_INTERVAL_S: '1', CIS490_SWEEP_INTERVAL_S: '3600' };
    const a = await receiver(ONE, env);
    const b = await receiver(ONE, env);
    const job = await claimOne(a.url, 'lab1');
    await new Promise((r) => setTimeout(r, 1_500));
    const [ra, rb] = await Promise.all([a.app.get(StaleSweepService).sweep(), b.app.get(StaleSweepService).sweep()]);
    // One holds the lease and takes the job back; the other sweeps nothing.
    expect([ra.skipped, rb.skipped].filter(Boolean)).toHaveLength(1);
    expect(ra.requeued + rb.requeued).toBe(1);
    const detail = (await call(b.url, 'GET', `/v1/job/${job.id}`)).json;
    expect(detail.status).toBe('pending');
    expect(detail.events.filter((e: { reason: string }) => /went silent/.test(e.reason))).toHaveLength(1);
    // The holder sweeps again and again; the other not until the lease runs out.
    const holder = ra.skipped ? b : a;
    const other = ra.skipped ? a : b;
    expect((await holder.app.get(StaleSweepService).sweep()).skipped).toBeUndefined();
    expect((await other.app.get(StaleSweepService).sweep()).skipped).toBe(true);
    expect((await other.app.get(StaleSweepService).sweep(0)).skipped).toBe(true);
  });

  it('keeps serving, and keeps every acknowledged claim, when one receiver is killed under load', async () => {
    const env = { CIS490_DATABASE_URL: database.url };
    const a = await spawnReceiver(many(600), env);
    processes.push(a);
    const b = await spawnReceiver(many(600), env);
    processes.push(b);
    const acknowledged = new Map<string, string>();
    let killed = false;
    const claimer = async (i: number) => {
      const worker = `w${i}`;
      for (;;) {
        const rx = killed || i % 2 ? b : a;
        const r = await call(rx.url, 'POST', '/v1/job/claim', claimBody(worker)).catch(() => null);
        if (!r) continue; // the killed receiver did not answer: the worker moves on
        if (r.status === 204) return;
        if (r.status !== 200) continue;
        expect(acknowledged.has(r.json.job.id)).toBe(false);
        acknowledged.set(r.json.job.id, worker);
      }
    };
    const load = Promise.all(Array.from({ length: 16 }, (_, i) => claimer(i)));
    await eventuallyTrue(() => acknowledged.size >= 100);
    a.child.kill('SIGKILL');
    killed = true;
    await load;
    const listed = new Map<string, string>();
    let cursor: string | null = null;
    do {
      const page: any = (await call(b.url, 'GET', `/v1/jobs?status=claimed&limit=500${cursor ? `&cursor=${cursor}` : ''}`)).json;
      for (const job of page.jobs) listed.set(job.id, job.worker_id);
      cursor = page.next_cursor;
    } while (cursor);
    for (const [id, worker] of acknowledged) expect(listed.get(id)).toBe(worker);
    expect((await call(b.url, 'GET', '/v1/jobs?limit=1')).json.counts.pending).toBe(0);
  });
});

/** Retries `check` until it passes or 5 s have gone by. */
async function eventually(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function eventuallyTrue(test: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}
