'use strict';
const crypto = require('node:crypto');
const { Rng, seedFrom } = require('./random');

/*
 * The synthetic lab data: a binary label behind a nonlinear boundary over a
 * few Gaussian features, so a linear model does fairly and the MLP and the
 * boosted trees do clearly better. Everything derives from (split_recipe,
 * seed); the model and its hyper never change the data, so models trained on
 * the same split are comparable.
 */

const N_ROWS = 2000;
const N_FEATURES = 6; // x4 and x5 carry no signal: a model has to learn to ignore them

/** The hidden truth the models try to learn. */
function boundary(x) {
  return 1.1 * x[0] - 0.9 * x[1] + 1.6 * Math.sin(1.8 * x[2]) + 1.2 * x[0] * x[3] - 0.4;
}

/** `default` = 80/20; `holdout-N` keeps N % for the test set; anything else 80/20. */
function testFraction(recipe) {
  const m = /^holdout-(\d{1,2})$/.exec(recipe);
  if (m && Number(m[1]) >= 5 && Number(m[1]) <= 95) return Number(m[1]) / 100;
  return 0.2;
}

/**
 * How `mode` bends the data. `oracle` sees the truth; every other mode is
 * "realistic": some labels are wrong, and the test rows come from a shifted
 * distribution, as data from next month's hosts would.
 */
function conditions(mode) {
  if (mode === 'oracle') return { label_noise: 0, test_shift: 0 };
  return { label_noise: 0.1, test_shift: 0.5 };
}

function digest(rows, labels) {
  const hash = crypto.createHash('sha256');
  for (const row of rows) hash.update(new Uint8Array(Float64Array.from(row).buffer));
  hash.update(Uint8Array.from(labels));
  return hash.digest('hex');
}

/** Standardizes with the training rows' mean and spread (the test rows are not peeked at). */
function standardizer(rows) {
  const d = rows[0].length;
  const mean = new Array(d).fill(0);
  const std = new Array(d).fill(0);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j] / rows.length;
  for (const r of rows) for (let j = 0; j < d; j++) std[j] += (r[j] - mean[j]) ** 2 / rows.length;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]) || 1;
  const apply = (r) => Float64Array.from(r, (v, j) => (v - mean[j]) / std[j]);
  return { mean, std, apply };
}

function makeDataset({ split_recipe, seed, mode }) {
  const fraction = testFraction(split_recipe);
  const nTest = Math.round(N_ROWS * fraction);
  const nTrain = N_ROWS - nTest;
  const cond = conditions(mode);
  // Separate streams: the base points are the same in every mode, so oracle
  // and realistic runs of one split differ only by the noise and the shift.
  const points = new Rng(seedFrom('points', split_recipe, seed));
  const noise = new Rng(seedFrom('noise', split_recipe, seed));

  const rows = [];
  const labels = [];
  for (let i = 0; i < N_ROWS; i++) {
    const x = Array.from({ length: N_FEATURES }, () => points.normal());
    if (i >= nTrain && cond.test_shift) {
      x[0] += cond.test_shift;
      x[1] *= 1 + cond.test_shift / 2;
    }
    let y = boundary(x) > 0 ? 1 : 0;
    if (noise.uniform() < cond.label_noise) y = 1 - y;
    rows.push(x);
    labels.push(y);
  }

  const scale = standardizer(rows.slice(0, nTrain));
  const X = rows.map(scale.apply);
  return {
    train: { X: X.slice(0, nTrain), y: labels.slice(0, nTrain) },
    test: { X: X.slice(nTrain), y: labels.slice(nTrain) },
    n_features: N_FEATURES,
    describe: {
      rows: N_ROWS,
      n_features: N_FEATURES,
      n_train: nTrain,
      n_test: nTest,
      test_fraction: fraction,
      ...cond,
      sha256: digest(rows, labels),
      standardize: { mean: scale.mean, std: scale.std },
    },
  };
}

module.exports = { makeDataset, testFraction };
