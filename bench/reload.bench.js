'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { jobsManifest } = require('./lib/fleet');
const { keepAliveAgent, requestJson } = require('./lib/http-load');
const { ROOT, startReceiver } = require('./lib/receiver');

/**
 * POST /v1/manifest/reload of a 10,000-job manifest into a receiver that
 * started empty, then the same file again unchanged (the receiver does not
 * parse the text it loaded last again), then the same jobs with a comment
 * added (parsed again, all unchanged). For reference, the time the manifest
 * parser alone takes on the same text, in this process.
 */
async function reload(report, { quick }) {
  const count = quick ? 1000 : 10_000;
  const toml = jobsManifest(count);
  report.note(`${count} [[jobs]] (${(toml.length / 1024).toFixed(0)} KiB of TOML); the receiver starts with an empty manifest`);

  const { parseManifest } = require('@cis490/manifest');
  const t0 = process.hrtime.bigint();
  const parsed = parseManifest(toml);
  const parseMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!parsed.ok) throw new Error(`the generated manifest does not parse: ${JSON.stringify(parsed.errors.slice(0, 3))}`);

  const rx = await startReceiver('reload', '# empty: the bench writes the manifest, then reloads\n');
  const agent = keepAliveAgent(1);
  const post = () =>
    requestJson(agent, rx.port, {
      method: 'POST',
      path: '/v1/manifest/reload',
      headers: { 'x-operator-token': rx.operatorToken },
    });
  try {
    // The request path itself is warm before the big reload (an empty reload).
    for (let i = 0; i < 20; i++) await post();
    fs.writeFileSync(rx.manifestPath, toml);
    const first = await post();
    const again = await post();
    // The same jobs in text that differs (a comment): parsed again, then found unchanged.
    fs.writeFileSync(rx.manifestPath, `${toml}\n# edited\n`);
    const edited = await post();
    report.figure('manifest_parse_baseline_ms', parseMs, 'ms');
    report.verify(
      'reload_result',
      first.body.added === count &&
        first.body.total === count &&
        [again, edited].every((r) => r.body.unchanged === count && r.body.added === 0),
      `first: added ${first.body.added}, total ${first.body.total}; again: unchanged ${again.body.unchanged}, added ${again.body.added}; edited: unchanged ${edited.body.unchanged}`,
      `added ${first.body.added}, unchanged ${again.body.unchanged}`,
    );
    report.check('reload_new_ms', first.ms, '<', 2000, 'ms');
    report.check('reload_unchanged_ms', again.ms, '<', 1000, 'ms');
    report.figure('reload_edited_unchanged_ms', edited.ms, 'ms (the same jobs, the text edited: parsed again; for reference)');
  } finally {
    agent.destroy();
    await rx.close();
  }
}

module.exports = { reload };
