'use strict';

/** Manifests and worker requests shaped like a real fleet's, in bench sizes. */

/** One `[[sweeps]]` entry per group: `count` jobs over seeds 0..count-1. */
function sweepManifest(groups) {
  return groups
    .map((g) => {
      const seeds = Array.from({ length: g.count }, (_, i) => i).join(', ');
      return [
        '[[sweeps]]',
        `model = "${g.model}"`,
        `mode = "${g.mode}"`,
        `seed = [${seeds}]`,
        `hyper = { lr = 0.001, hidden = 64 }`,
        ...(g.priority !== undefined ? [`priority = ${g.priority}`] : []),
        '',
      ].join('\n');
    })
    .join('\n');
}

/**
 * `count` `[[jobs]]` tables, each with its own hyper-parameters and a few
 * constraints, plus the `[defaults]`, `[models]` and `[hosts]` sections an
 * operator's manifest has: the reload parses and validates all of it.
 */
function jobsManifest(count) {
  const out = [
    '[defaults]',
    'max_attempts = 3',
    'priority = 0',
    'timeout_s = 3600',
    '',
    '[models.gbt]',
    'hyper = { n_estimators = "int", max_depth = "int", learning_rate = "float" }',
    '',
    '[models.mlp]',
    'hyper = { lr = "float", hidden = "int", layers = "array" }',
    '',
    '[hosts.lab1]',
    'cuda = true',
    'vram_gib = 24',
    'ram_gib = 64',
    '',
    '[hosts.labpi]',
    'cuda = false',
    'ram_gib = 8',
    'allow_jobs = ["gbt"]',
    '',
  ];
  for (let i = 0; i < count; i++) {
    const gbt = i % 2 === 0;
    out.push(
      '[[jobs]]',
      `model = "${gbt ? 'gbt' : 'mlp'}"`,
      `mode = "${i % 3 === 0 ? 'oracle' : 'realistic'}"`,
      gbt
        ? `hyper = { n_estimators = ${100 + (i % 50)}, max_depth = ${3 + (i % 6)}, learning_rate = ${(0.01 * (1 + (i % 10))).toFixed(2)} }`
        : `hyper = { lr = ${(0.001 * (1 + (i % 10))).toFixed(3)}, hidden = ${32 * (1 + (i % 4))}, layers = [${64 + (i % 3) * 32}, 32] }`,
      `train_hosts = ["lab${1 + (i % 3)}", "lab${4 + (i % 2)}"]`,
      `seed = ${Math.floor(i / 2)}`,
      ...(i % 5 === 0 ? ['prefer_cuda = true'] : []),
      ...(i % 7 === 0 ? ['min_ram_gib = 4'] : []),
      `priority = ${i % 4}`,
      '',
    );
  }
  return out.join('\n');
}

/** The CPU host the tests use, under another name. */
const capability = (hostname) => ({ ...require('../../test/support/capability.json'), hostname });

/** A claim as `cis490-worker` sends it. */
function claimBody(workerId, hostname = 'lab1') {
  return { worker_id: workerId, hostname, capability: capability(hostname) };
}

const workerIds = (n, prefix = 'bench-worker') => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);

module.exports = { sweepManifest, jobsManifest, claimBody, workerIds };
