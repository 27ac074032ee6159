'use strict';
const fs = require('node:fs');

/** Progress points per job, so a chart has a curve whatever the number of steps. */
const POINTS = 20;

/**
 * True for about `lines` evenly spaced steps of `total` (the last one always),
 * so a long run and a short one leave a log of the same size.
 */
function progressEvery(total, lines = 5) {
  const step = Math.max(1, Math.ceil(total / lines));
  return (done) => done === total || done % step === 0;
}

/**
 * Appends one JSON object per line to CIS490_PROGRESS_FILE, which the worker
 * sets and forwards to the receiver (SPEC §9): `step`, `total`, `epoch`, a
 * short `message`, and any other finite number as a metric. Without the
 * variable (a run by hand) it does nothing. A failed write is said once on
 * stderr and training goes on: progress is for watching, the outputs are
 * what count. The time a line was written is the worker's to stamp, so the
 * outputs stay the same from run to run.
 */
function progressWriter(env = process.env) {
  const file = env.CIS490_PROGRESS_FILE;
  if (!file) return () => {};
  const pace = pauser(env.EXAMPLE_TRAINER_PACE_MS);
  let broken = false;
  return (point) => {
    pace();
    if (broken) return;
    try {
      fs.appendFileSync(file, `${JSON.stringify(point)}\n`);
    } catch (err) {
      broken = true;
      process.stderr.write(`train.js: cannot write progress to ${file} (${err.code ?? err.message}); training goes on\n`);
    }
  };
}

/**
 * `EXAMPLE_TRAINER_PACE_MS` makes each progress point wait that long, so a
 * person can watch these small models train (`npm run demo` sets it). The
 * wait blocks like training does and changes nothing in the outputs.
 */
function pauser(value) {
  const ms = Number(value);
  if (!value || !Number.isFinite(ms) || ms <= 0) return () => {};
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return () => Atomics.wait(cell, 0, 0, Math.min(ms, 10_000));
}

module.exports = { POINTS, progressEvery, progressWriter };
