'use strict';

/**
 * Figures and target checks, printed as the operator reads them
 * (`figure NAME = VALUE UNIT`), and kept for the summary table.
 */
class Report {
  constructor(out = process.stdout) {
    this.out = out;
    /** @type {{bench: string, name: string, value: string, target: string, result: 'ok'|'MISSED'|'skipped'|'error'}[]} */
    this.rows = [];
    this.bench = '';
  }

  section(bench, title) {
    this.bench = bench;
    this.line(`\n== ${bench}: ${title}`);
  }

  line(text) {
    this.out.write(`${text}\n`);
  }

  note(text) {
    this.line(`   ${text}`);
  }

  figure(name, value, unit = '') {
    this.line(`figure ${name} = ${format(value)}${unit ? ` ${unit}` : ''}`);
    return value;
  }

  /**
   * A figure with its target: `op` is '>=', '<=', '<' or '>'. A missed target
   * makes the run exit non-zero, and the summary says which.
   */
  check(name, value, op, target, unit = '') {
    const ok = compare(value, op, target);
    const shown = `${format(value)}${unit ? ` ${unit}` : ''}`;
    const goal = `${op} ${format(target)}${unit ? ` ${unit}` : ''}`;
    this.line(`figure ${name} = ${shown} (target ${goal}) ${ok ? 'ok' : 'MISSED'}`);
    this.rows.push({ bench: this.bench, name, value: shown, target: goal, result: ok ? 'ok' : 'MISSED' });
    return ok;
  }

  /** A correctness check that rides along with a figure (e.g. no job claimed twice). */
  verify(name, ok, detail, short = detail) {
    this.line(`check ${name}: ${detail} ${ok ? 'ok' : 'FAILED'}`);
    this.rows.push({ bench: this.bench, name, value: short, target: 'must hold', result: ok ? 'ok' : 'MISSED' });
    return ok;
  }

  skip(bench, reason) {
    this.line(`skipped ${bench}: ${reason}`);
    this.rows.push({ bench, name: '-', value: reason, target: '-', result: 'skipped' });
  }

  error(bench, err) {
    const message = err instanceof Error ? err.message : String(err);
    this.line(`error in ${bench}: ${message}`);
    if (process.env.BENCH_DEBUG && err instanceof Error && err.stack) this.line(err.stack);
    this.rows.push({ bench, name: '-', value: message.split('\n', 1)[0].slice(0, 80), target: '-', result: 'error' });
  }

  get failed() {
    return this.rows.some((r) => r.result === 'MISSED' || r.result === 'error');
  }

  summary() {
    const head = { bench: 'bench', name: 'figure', value: 'value', target: 'target', result: 'result' };
    const rows = [head, ...this.rows];
    const keys = Object.keys(head);
    const width = Object.fromEntries(keys.map((k) => [k, Math.max(...rows.map((r) => String(r[k]).length))]));
    const render = (r) => keys.map((k) => String(r[k]).padEnd(width[k])).join('  ').trimEnd();
    this.line('\n== summary');
    this.line(render(head));
    this.line(keys.map((k) => '-'.repeat(width[k])).join('  '));
    for (const r of this.rows) this.line(render(r));
    const missed = this.rows.filter((r) => r.result === 'MISSED').length;
    const errors = this.rows.filter((r) => r.result === 'error').length;
    const passed = this.rows.filter((r) => r.result === 'ok').length;
    this.line(`\n${passed} ok, ${missed} missed, ${errors} errors, ${this.rows.filter((r) => r.result === 'skipped').length} skipped`);
  }
}

function compare(value, op, target) {
  if (typeof value !== 'number' || Number.isNaN(value)) return false;
  switch (op) {
    case '>=': return value >= target;
    case '>': return value > target;
    case '<=': return value <= target;
    case '<': return value < target;
    default: throw new Error(`unknown comparison ${op}`);
  }
}

/** Enough digits to read, never a wall of them. */
function format(value) {
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  return String(Number(value.toPrecision(3)));
}

module.exports = { Report, format };
