import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';

/**
 * A PostgreSQL server for the tests that need one (`.ci/run` sets it up):
 * each test file gets a database of its own on it, dropped at the end.
 */
export const TEST_DATABASE_URL = process.env.CIS490_TEST_DATABASE_URL;

/** `describe` when a server is configured; otherwise the suite is reported as skipped, with the reason. */
export const describeOnPostgres: jest.Describe = TEST_DATABASE_URL ? describe : describe.skip;

/** Which database a shared behaviour test runs on. */
export type Driver = 'sqlite' | 'postgres';

/** The drivers the shared behaviour tests run on: PostgreSQL too when a server is configured. */
export const DRIVERS: Driver[] = TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

async function onServer(sql: string): Promise<void> {
  const server = await new DataSource({ type: 'postgres', url: TEST_DATABASE_URL }).initialize();
  try {
    await server.query(sql);
  } finally {
    await server.destroy();
  }
}

export async function freshDatabase(): Promise<TestDatabase> {
  if (!TEST_DATABASE_URL) throw new Error('CIS490_TEST_DATABASE_URL is not set');
  const name = `cis490_test_${randomBytes(6).toString('hex')}`;
  await onServer(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
