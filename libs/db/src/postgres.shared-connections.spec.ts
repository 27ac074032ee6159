import { describeOnPostgres, TEST_DATABASE_URL } from '../../../test/support/postgres';
import { type PipelinedClient, SharedConnections } from './postgres.shared-connections';

const { Client } = require('pg');
const client = (url = TEST_DATABASE_URL) => new Client({ connectionString: url, pipeline: true }) as PipelinedClient;
const pidOf = async (shared: SharedConnections) =>
  ((await shared.query({ text: 'SELECT pg_backend_pid() AS pid', values: [] })) as { rows: { pid: number }[] }).rows[0].pid;

/** Statements outside a transaction, on a few pipelined connections that they share. */
describeOnPostgres('SharedConnections', () => {
  let shared: SharedConnections;
  afterEach(async () => {
    await shared?.end();
  });

  it('runs many statements at once on its few connections, each error staying with its statement', async () => {
    shared = new SharedConnections(() => client(), 2);
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        shared.query({ text: i % 10 === 3 ? 'SELECT 1 / 0' : 'SELECT $1::int AS n, pg_backend_pid() AS pid', values: i % 10 === 3 ? [] : [i] }),
      ),
    );
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed).toHaveLength(4);
    expect(failed.every((r) => /division by zero/.test(String((r as PromiseRejectedResult).reason)))).toBe(true);
    const rows = results.flatMap((r) => (r.status === 'fulfilled' ? (r.value as { rows: { n: number; pid: number }[] }).rows : []));
    expect(rows.map((r) => r.n)).toEqual(Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 10 !== 3));
    expect(new Set(rows.map((r) => r.pid)).size).toBe(2);
  });

  it('makes a connection again after the server dropped it', async () => {
    shared = new SharedConnections(() => client(), 1);
    const first = await pidOf(shared);
    const admin = client();
    await admin.connect();
    try {
      await admin.query({ text: 'SELECT pg_terminate_backend($1)', values: [first] });
    } finally {
      await admin.end();
    }
    // The dropped connection is noticed by a statement that fails, or before one is sent.
    await pidOf(shared).catch(() => undefined);
    const second = await pidOf(shared);
    expect(second).not.toBe(first);
  });

  it('fails the statements of a connection that cannot be made', async () => {
    const url = new URL(TEST_DATABASE_URL!);
    url.pathname = '/cis490_no_such_database';
    shared = new SharedConnections(() => client(url.href), 1);
    await expect(pidOf(shared)).rejects.toThrow(/does not exist/);
  });
});
