'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { TrainError } = require('../lib/errors');
const { accuracy, round6 } = require('../lib/metrics');

/**
 * `model = "ensemble"`: a pipeline's last step. It trains nothing itself: it
 * averages the predicted probabilities of the models its job runs after
 * (`after` in the manifest), read from their bundles in CIS490_INPUTS_DIR,
 * one `<job id>/model.json` each, and is evaluated like any model.
 */
const hyper = {};

/** The members: every input's model.json, in job id order, each made a predictor again. */
function loadMembers(inputsDir) {
  if (!inputsDir || !fs.existsSync(inputsDir)) throw new TrainError('no inputs: an ensemble runs after the jobs it combines (set `after`)');
  const { models } = require('./index');
  const members = [];
  for (const id of fs.readdirSync(inputsDir).sort()) {
    const file = path.join(inputsDir, id, 'model.json');
    if (!fs.existsSync(file)) continue;
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    const model = models[saved.model];
    if (!model?.fromParams) throw new TrainError(`input ${id}: model ${JSON.stringify(saved.model)} cannot join an ensemble`);
    members.push({ id, model: saved.model, predict: model.fromParams(saved.params), features: saved.data?.n_features });
  }
  if (members.length === 0) throw new TrainError(`no model.json in any input under ${inputsDir}`);
  return members;
}

function train(_data, _hp, { log, progress, val }) {
  const members = loadMembers(process.env.CIS490_INPUTS_DIR);
  const wrong = members.find((m) => m.features !== undefined && m.features !== val.X[0].length);
  if (wrong) throw new TrainError(`input ${wrong.id} was trained on ${wrong.features} features, this data has ${val.X[0].length}`);
  const predictions = [];
  members.forEach((member, i) => {
    predictions.push(member.predict(val.X));
    const so_far = average(predictions);
    progress({ step: i + 1, total: members.length, val_accuracy: round6(accuracy(so_far, val.y)) });
    log(`member ${i + 1}/${members.length}: ${member.model} (job ${member.id.slice(0, 8)})`);
  });
  const predict = (X) => average(members.map((m) => m.predict(X)));
  return {
    params: { members: members.map((m) => ({ job_id: m.id, model: m.model })) },
    predict,
    summary: { members: members.length },
  };
}

/** The mean of several lists of probabilities, element by element. */
function average(lists) {
  return lists[0].map((_, i) => lists.reduce((sum, l) => sum + l[i], 0) / lists.length);
}

module.exports = { hyper, train };
