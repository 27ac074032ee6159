'use strict';

const { Client } = require('pg');

/** The server the PostgreSQL benches create their databases on. */
const BENCH_DATABASE_URL = process.env.CIS490_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** The URL as it may be printed: without a password. */
function shown(url) {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.href;
}

async function onServer(url, sql) {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Null when the server answers; else one line saying why not. */
async function unreachable(url = BENCH_DATABASE_URL) {
  try {
    await onServer(url, 'SELECT 1');
    return null;
  } catch (err) {
    return `no PostgreSQL server answers at ${shown(url)} (${err.message}); set CIS490_BENCH_DATABASE_URL`;
  }
}

/** A fresh database on the bench server; `drop()` removes it, connections and all. */
async function freshDatabase(name, url = BENCH_DATABASE_URL) {
  const db = `cis490_bench_${process.pid}_${name}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  await onServer(url, `CREATE DATABASE ${db}`);
  const u = new URL(url);
  u.pathname = `/${db}`;
  return {
    url: u.href,
    /** Rows of a query on this database (for checks after a run). */
    query: async (sql) => (await onServer(u.href, sql)).rows,
    drop: () => onServer(url, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`),
  };
}

module.exports = { BENCH_DATABASE_URL, unreachable, freshDatabase };
