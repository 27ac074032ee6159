'use strict';
const fs = require('node:fs');
const { UsageError } = require('./errors');

const USAGE = 'usage: train.js --job-file <dir>/job.json --out-dir <dir>/out';

/** `--job-file X`, `--job-file=X`, `--out-dir …`, `--help`; nothing else. */
function parseArgs(argv) {
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      flags.help = true;
      continue;
    }
    const m = /^--(job-file|out-dir)(?:=(.*))?$/.exec(arg);
    if (!m) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}; ${USAGE}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === '') throw new UsageError(`--${m[1]} needs a value; ${USAGE}`);
    flags[m[1]] = value;
  }
  return flags;
}

function readJobFile(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read job file ${file}: ${err.code ?? err.message}`);
  }
  let job;
  try {
    job = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`job file ${file} is not valid JSON: ${err.message}`);
  }
  if (job === null || typeof job !== 'object' || Array.isArray(job)) {
    throw new UsageError(`job file ${file} must hold a JSON object`);
  }
  return job;
}

/** The job's fields from the environment, for a trainer started without a job file. */
function jobFromEnv(env) {
  const job = {};
  if (env.CIS490_JOB_ID) job.id = env.CIS490_JOB_ID;
  if (env.CIS490_MODEL) job.model = env.CIS490_MODEL;
  if (env.CIS490_MODE) job.mode = env.CIS490_MODE;
  if (env.CIS490_SEED) {
    if (!/^-?\d+$/.test(env.CIS490_SEED)) throw new UsageError(`CIS490_SEED must be an int (got ${JSON.stringify(env.CIS490_SEED)})`);
    job.seed = Number(env.CIS490_SEED);
  }
  if (env.CIS490_HYPER) {
    try {
      job.hyper = JSON.parse(env.CIS490_HYPER);
    } catch (err) {
      throw new UsageError(`CIS490_HYPER is not valid JSON: ${err.message}`);
    }
  }
  return job;
}

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Checks the fields training depends on; the rest of the JobView is carried along unread. */
function checkJob(job) {
  const fail = (field, what) => {
    throw new UsageError(`job field "${field}" must be ${what} (got ${JSON.stringify(job[field])})`);
  };
  if (typeof job.model !== 'string' || job.model === '') fail('model', 'a non-empty string');
  if (typeof job.mode !== 'string' || job.mode === '') fail('mode', 'a non-empty string');
  if (!isPlainObject(job.hyper)) fail('hyper', 'an object');
  if (typeof job.split_recipe !== 'string') fail('split_recipe', 'a string');
  if (!Number.isSafeInteger(job.seed)) fail('seed', 'an int');
  if (!Array.isArray(job.train_hosts) || !job.train_hosts.every((h) => typeof h === 'string')) {
    fail('train_hosts', 'a list of strings');
  }
  return job;
}

/**
 * Where the job and the output directory come from: flags first, then the
 * CIS490_* environment. A field the job file lacks falls back to the
 * environment, then to the manifest's defaults.
 */
function loadInvocation(argv, env) {
  const flags = parseArgs(argv);
  if (flags.help) return { help: USAGE };
  const jobFile = flags['job-file'] ?? env.CIS490_JOB_FILE;
  const outDir = flags['out-dir'] ?? env.CIS490_OUTPUT_DIR;
  if (!outDir) throw new UsageError(`no output directory: pass --out-dir or set CIS490_OUTPUT_DIR; ${USAGE}`);
  const fromFile = jobFile ? readJobFile(jobFile) : {};
  const job = { hyper: {}, split_recipe: 'default', train_hosts: [], seed: 0, ...jobFromEnv(env), ...fromFile };
  if (!jobFile && job.model === undefined) {
    throw new UsageError(`no job: pass --job-file or set CIS490_JOB_FILE; ${USAGE}`);
  }
  return { job: checkJob(job), outDir };
}

module.exports = { loadInvocation };
