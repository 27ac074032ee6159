#!/usr/bin/env node
'use strict';
/*
 * The lab's example trainer: what `cis490-worker` runs for each job when
 * CIS490_TRAINER_CMD="node examples/trainer/train.js". Plain Node.js, no
 * dependencies. See README.md for the models, their hyper keys and outputs.
 *
 * Exit codes: 0 trained; 1 training failed; 2 bad invocation, job or hyper.
 */
const fs = require('node:fs');
const path = require('node:path');
const { loadInvocation } = require('./lib/job');
const { resolveHyper } = require('./lib/hyper');
const { makeDataset } = require('./lib/dataset');
const { logLoss, accuracy, round6 } = require('./lib/metrics');
const { UsageError, TrainError } = require('./lib/errors');
const { progressWriter } = require('./lib/progress');
const { models } = require('./models');

const log = (line) => process.stdout.write(`${line}\n`);

function writer(outDir) {
  return (name, value) => fs.writeFileSync(path.join(outDir, name), `${JSON.stringify(value, null, 2)}\n`);
}

function evaluate(predict, { X, y }) {
  const p = predict(X);
  return { accuracy: round6(accuracy(p, y)), loss: round6(logLoss(p, y)) };
}

/**
 * Trains one real model; both files depend only on the job, so a re-run is
 * byte-identical. Progress (loss, accuracy on the held-out rows) goes to the
 * progress file as it trains; it never feeds back into training.
 */
function trainModel(job, model, hp, writeJson, progress) {
  const started = process.hrtime.bigint();
  const data = makeDataset(job);
  const d = data.describe;
  const about = `${job.model} on ${job.split_recipe}/${job.mode} seed ${job.seed}: ${d.n_train} train, ${d.n_test} test rows, ${d.n_features} features`;
  log(about);
  progress({ message: about });
  const result = model.train(data.train, hp, { seed: job.seed, log, progress, val: data.test });
  const train = evaluate(result.predict, data.train);
  const test = evaluate(result.predict, data.test);
  writeJson('model.json', {
    job_id: job.id ?? null,
    model: job.model,
    mode: job.mode,
    seed: job.seed,
    split_recipe: job.split_recipe,
    train_hosts: job.train_hosts,
    hyper: hp,
    data: d,
    params: result.params,
  });
  writeJson('metrics.json', {
    train_accuracy: train.accuracy,
    test_accuracy: test.accuracy,
    train_loss: train.loss,
    test_loss: test.loss,
    n_train: d.n_train,
    n_test: d.n_test,
    ...result.summary,
  });
  // Wall time goes to the log, not the files: it would make every run's bundle unique.
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const done = `done: test_accuracy ${test.accuracy.toFixed(4)} test_loss ${test.loss.toFixed(4)}`;
  log(`${done} duration_s ${seconds.toFixed(2)}`);
  progress({ message: done });
  return 0;
}

async function main() {
  const invocation = loadInvocation(process.argv.slice(2), process.env);
  if (invocation.help) {
    log(invocation.help);
    log(`models: ${Object.keys(models).join(', ')}`);
    return 0;
  }
  const { job, outDir } = invocation;
  const model = models[job.model];
  if (!model) {
    throw new UsageError(`unknown model ${JSON.stringify(job.model)} (known: ${Object.keys(models).join(', ')})`);
  }
  const hp = resolveHyper(job.model, model.hyper, job.hyper);
  model.checkHyper?.(hp);
  fs.mkdirSync(outDir, { recursive: true });
  const writeJson = writer(outDir);
  const progress = progressWriter(process.env);
  if (model.run) return model.run(job, hp, outDir, { log, writeJson, progress });
  return trainModel(job, model, hp, writeJson, progress);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    if (err instanceof UsageError) {
      process.stderr.write(`train.js: ${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof TrainError) {
      process.stderr.write(`train.js: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      // A bug or an I/O failure: the stack helps, and the last line still says what happened.
      process.stderr.write(`${err.stack}\ntrain.js: ${err.message}\n`);
      process.exitCode = 1;
    }
  },
);
