import { type JobDetail, type JobView, terminalSafeDeep } from '@cis490/contract';
import { Palette } from '../output/colors';
import { relativeTime, shortTimestamp } from '../output/relative-time';
import { renderFields, renderTable } from '../output/table';
import { errorSummary } from '../output/text';
import { colorStatus } from './job-status.format';

/** `show` prints at most this many lines of the log tail; `--json` has all of it. */
export const LOG_TAIL_LINES = 20;

const when = (iso: string | null, now: number): string =>
  iso ? `${shortTimestamp(iso)} (${relativeTime(iso, now)})` : '-';

/** What a worker needs to take the job, in words: `CUDA, 8 GiB VRAM, hosts lab1`. */
export function describeNeeds(j: JobView): string {
  const needs: string[] = [];
  if (j.require_cuda) needs.push('CUDA');
  if (j.min_vram_gib > 0) needs.push(`${j.min_vram_gib} GiB VRAM`);
  if (j.min_ram_gib > 0) needs.push(`${j.min_ram_gib} GiB RAM`);
  if (j.allowed_hosts.length) needs.push(`hosts ${j.allowed_hosts.join(', ')}`);
  if (j.prefer_cuda) needs.push('prefers CUDA');
  return needs.length ? needs.join(', ') : 'any worker';
}

export function formatJobDetail(received: JobDetail, colors: Palette, now: number): string {
  // What the fleet sends is shown to a person: no escape sequence of a worker's may reach the terminal.
  const j = terminalSafeDeep(received);
  const fields: [string, string][] = [
    ['id', j.id],
    ['status', `${colorStatus(j.status, colors)} (attempt ${j.attempts} of ${j.max_attempts})`],
    ['model', j.model],
    ['mode', j.mode],
    ['seed', String(j.seed)],
    ['hyper', JSON.stringify(j.hyper)],
    ['split recipe', j.split_recipe],
    ['train hosts', j.train_hosts.length ? j.train_hosts.join(', ') : '-'],
    ['needs', describeNeeds(j)],
    ['priority', String(j.priority)],
    ['timeout', j.timeout_s > 0 ? `${j.timeout_s} s` : 'none'],
    ['in manifest', j.in_manifest ? 'yes' : colors.yellow('no (left the manifest; cancel it to retire it)')],
    ['worker', j.worker_id ?? '-'],
    ['created', when(j.created_at, now)],
    ['claimed', when(j.claimed_at, now)],
    ['started', when(j.started_at, now)],
    ['heartbeat', when(j.heartbeat_at, now)],
    ['finished', when(j.finished_at, now)],
    ['updated', when(j.updated_at, now)],
  ];
  if (j.artifact_sha256) fields.push(['artifact', j.artifact_sha256]);
  if (j.metrics) fields.push(['metrics', JSON.stringify(j.metrics)]);
  if (j.pending_reason) fields.push(['pending reason', colors.yellow(j.pending_reason)]);
  const errorLines = j.error ? j.error.trimEnd().split(/\r?\n/) : [];
  if (errorLines.length) fields.push(['error', colors.red(errorSummary(j.error ?? ''))]);
  if (j.exit_code !== null) fields.push(['exit code', String(j.exit_code)]);

  const out = [renderFields(fields, colors)];
  out.push('', colors.bold('events'));
  if (j.events.length) {
    const rows = j.events.map((e) => [
      shortTimestamp(e.at),
      `${e.from ?? '-'} → ${e.to}`,
      e.worker_id ?? '-',
      e.reason,
    ]);
    out.push(renderTable(['AT', 'TRANSITION', 'WORKER', 'REASON'], rows, colors, '  '));
  } else {
    out.push('  none');
  }
  if (errorLines.length > 1) {
    out.push('', colors.bold('error'), ...errorLines.map((l) => `  ${l}`));
  }
  if (j.log_tail) {
    const lines = j.log_tail.replace(/\s+$/, '').split(/\r?\n/);
    const shown = lines.slice(-LOG_TAIL_LINES);
    const label = lines.length > shown.length ? `log tail (last ${shown.length} of ${lines.length} lines)` : 'log tail';
    out.push('', colors.bold(label), ...shown.map((l) => `  ${l}`));
  }
  return out.join('\n');
}
