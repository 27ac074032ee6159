'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { Rng, seedFrom } = require('../lib/random');
const { int, nonNegativeFloat, bool, string } = require('../lib/hyper');

/**
 * `model = "test"`: a trainer that misbehaves on request, so the worker's
 * process handling (exit codes, stderr tails, timeouts, process-group kills,
 * large bundles) can be tested against a real process in well under a second.
 */

const hyper = {
  sleep_s: { ...nonNegativeFloat(), default: 0 },
  // No defaults: a job that does not ask for them keeps the model.json it always had.
  print_lines: int(0, 1_000_000),
  line_bytes: int(0, 1_000_000),
  bad_progress: int(0, 1_000_000),
  exit_code: { ...int(0, 255), default: 0 },
  stderr: string(),
  spawn_child: { ...bool(), default: false },
  write_bytes: { ...int(0), default: 0 },
  ignore_sigterm: { ...bool(), default: false },
  // No default, like print_lines: e.g. "SIGKILL" ends the trainer as the kernel's OOM killer would.
  kill_signal: string(),
  // No default: lists the files of CIS490_INPUTS_DIR in metrics.json, as `inputs`.
  read_inputs: bool(),
  // No default: the first N attempts (job.json's `attempts`) exit 75, EX_TEMPFAIL, as a transient failure would.
  fail_attempts: int(0, 1000),
  // A dir where the trainer records the GPUs it was given and when it ran: <job id>.start.json, then .end.json.
  record_dir: string(),
};

/** What a test of the worker's slots reads: the GPUs this trainer may see, and the time. */
function record(dir, job, stage) {
  if (dir === undefined) return;
  const entry = {
    job_id: job.id,
    cuda_visible_devices: process.env.CUDA_VISIBLE_DEVICES ?? null,
    cis490_gpus: process.env.CIS490_GPUS ?? null,
    at: Date.now(),
  };
  const file = path.join(dir, `${job.id}.${stage}.json`);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(entry));
  fs.renameSync(`${file}.tmp`, file);
}

// The grandchild outlives the trainer's own sleep by this much, so a worker
// that kills only the trainer (not its group) leaves it visibly running.
const CHILD_EXTRA_S = 5;

/**
 * Starts a grandchild that sleeps, and writes its pid to child.pid once it is
 * ready (its SIGTERM handler, if any, in place): a test that sees the file
 * may signal the group at once.
 */
async function spawnChild(outDir, hp) {
  const code = [
    hp.ignore_sigterm ? "process.on('SIGTERM', () => {});" : '',
    `setTimeout(() => {}, ${Math.round((hp.sleep_s + CHILD_EXTRA_S) * 1000)});`,
    "process.stdout.write('ready\\n');",
  ].join('');
  // Same process group as the trainer (not detached), and its stdout a private
  // pipe closed once it is ready: the worker must reach it through the group,
  // not by waiting for the trainer's pipes to close.
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', resolve);
  });
  child.stdout.destroy();
  // Written aside and renamed, so a reader never sees the file empty.
  const pidFile = path.join(outDir, 'child.pid');
  fs.writeFileSync(`${pidFile}.tmp`, `${child.pid}\n`);
  fs.renameSync(`${pidFile}.tmp`, pidFile);
  return child;
}

/** N bytes from the job's seed, in chunks: memory stays flat for a multi-GiB file. */
function writeRandomBytes(file, total, seed) {
  const rng = new Rng(seedFrom('bytes', seed));
  const chunk = Buffer.alloc(1 << 16);
  const fd = fs.openSync(file, 'w');
  try {
    for (let left = total; left > 0; left -= chunk.length) {
      for (let o = 0; o < chunk.length; o += 4) chunk.writeUInt32LE(rng.uint32(), o);
      fs.writeSync(fd, chunk, 0, Math.min(left, chunk.length));
    }
  } finally {
    fs.closeSync(fd);
  }
}

const sleep = (s) => new Promise((resolve) => setTimeout(resolve, s * 1000));

/** Characters of one, two, three and four UTF-8 bytes, so a cut in the wrong place shows. */
const WIDE = 'aé✓🙂';

/** Line i of n, padded with WIDE to at least `bytes` bytes; the same every run. */
function printedLine(i, n, bytes) {
  let line = `line ${i}/${n} ${WIDE}`;
  while (Buffer.byteLength(line) < bytes) line += WIDE;
  return line;
}

/** A line as it is, past the trainer's own writer (which writes only good ones). */
function writeProgressLine(line) {
  if (process.env.CIS490_PROGRESS_FILE) fs.appendFileSync(process.env.CIS490_PROGRESS_FILE, `${line}\n`);
}

/** Bad progress lines, in turn: not JSON, not an object, too long (> 4 KiB). */
const BAD_PROGRESS = ['{"step": oops', '[1, 2, 3]', JSON.stringify({ message: 'x'.repeat(5000) })];

/**
 * `print_lines` lines spread over `sleep_s` seconds, every third on stderr,
 * each with a progress point; `bad_progress` bad lines among the first points.
 */
async function printAndReport(hp, { log, progress }) {
  const n = hp.print_lines;
  const bad = hp.bad_progress ?? 0;
  for (let i = 1; i <= n; i++) {
    const line = printedLine(i, n, hp.line_bytes ?? 0);
    if (i % 3 === 0) process.stderr.write(`${line}\n`);
    else log(line);
    progress({
      step: i,
      total: n,
      epoch: Math.ceil((4 * i) / n),
      loss: Math.round(1e6 / (i + 1)) / 1e6,
      val_accuracy: Math.round(1e6 * (0.5 + i / (2 * n))) / 1e6,
      ...(i === 1 || i === n ? { message: `line ${i} of ${n}` } : {}),
    });
    if (i <= bad) writeProgressLine(BAD_PROGRESS[(i - 1) % BAD_PROGRESS.length]);
    if (hp.sleep_s > 0) await sleep(hp.sleep_s / n);
  }
}

/** Returns the exit code; writes model.json and metrics.json only on 0. */
async function run(job, hp, outDir, { log, writeJson, progress }) {
  record(hp.record_dir, job, 'start');
  if (hp.ignore_sigterm) process.on('SIGTERM', () => log('SIGTERM ignored'));
  const child = hp.spawn_child ? await spawnChild(outDir, hp) : null;
  if (child) log(`spawned child ${child.pid}`);
  if (hp.write_bytes > 0) {
    writeRandomBytes(path.join(outDir, 'random.bin'), hp.write_bytes, job.seed);
    log(`wrote ${hp.write_bytes} bytes to random.bin`);
  }
  if (hp.print_lines > 0) {
    await printAndReport(hp, { log, progress });
  } else if (hp.sleep_s > 0) {
    log(`sleeping ${hp.sleep_s} s`);
    await sleep(hp.sleep_s);
  }
  if (child) child.kill('SIGKILL'); // a trainer that ends on its own leaves nothing behind
  if (hp.stderr !== undefined) process.stderr.write(hp.stderr.endsWith('\n') ? hp.stderr : `${hp.stderr}\n`);
  if (hp.kill_signal !== undefined) process.kill(process.pid, hp.kill_signal);
  if (hp.fail_attempts !== undefined && (job.attempts ?? 1) <= hp.fail_attempts) {
    process.stderr.write(`temporary failure on attempt ${job.attempts ?? 1} of the first ${hp.fail_attempts} (EX_TEMPFAIL)\n`);
    return 75;
  }
  if (hp.exit_code === 0) {
    writeJson('model.json', { model: job.model, mode: job.mode, seed: job.seed, hyper: hp });
    writeJson('metrics.json', {
      slept_s: hp.sleep_s,
      bytes_written: hp.write_bytes,
      ...(hp.read_inputs && { inputs: listFiles(process.env.CIS490_INPUTS_DIR) }),
    });
  }
  record(hp.record_dir, job, 'end');
  return hp.exit_code;
}

/** Every file under `dir`, as sorted paths relative to it; [] without a dir. */
function listFiles(dir) {
  if (!dir || !fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)))
    .sort();
}

module.exports = { hyper, run, printedLine };
