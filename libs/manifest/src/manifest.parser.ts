import { readFileSync } from 'node:fs';
import { jobId } from './job-id';
import { entryList, EntryCommon, JobEntry, readJob, readSweep, SweepEntry } from './manifest-entries.reader';
import { checkKeys, indexPath, Issues } from './manifest.fields';
import { coverageWarnings, gpuWarnings, unusedModelWarnings } from './manifest.warnings';
import { modelRecord, readDefaults, readHosts, readModels } from './manifest-sections.reader';
import { HostSpec, JobSpec, ManifestIssue, ManifestResult } from './manifest.types';
import { checkPipelines } from './pipeline.checker';
import { describePoint, expandSweep, SweepPoint, sweepSize } from './sweep.expander';
import { readToml } from './toml.reader';

/** Beyond this a typo in a sweep (an extra axis) would exhaust memory rather than be reported. */
export const MAX_MANIFEST_JOBS = 100_000;

/** Duplicate reports per sweep, so one repeated axis does not bury the other errors. */
const MAX_DUPLICATES_REPORTED = 10;

export type ManifestText = { ok: true; source: string } | Extract<ManifestResult, { ok: false }>;

/** The manifest from a file; a file that cannot be read is one error. */
export function loadManifest(path: string): ManifestResult {
  const text = readManifestText(path);
  return text.ok ? parseManifest(text.source) : text;
}

/** A manifest file's text: UTF-8, or one error saying why it cannot be read. */
export function readManifestText(path: string): ManifestText {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    return { ok: false, errors: [{ path: '', message: `cannot read ${path}: ${readFailure(err)}` }], warnings: [] };
  }
  try {
    return { ok: true, source: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, errors: [notUtf8(bytes)], warnings: [] };
  }
}

/** `ENOENT: no such file or directory, open '/x'` → `no such file or directory`: the path is already said. */
function readFailure(err: unknown): string {
  const message = errorMessage(err);
  return /^[A-Z]+: (.*?), \w+ '.*'$/.exec(message)?.[1] ?? message;
}

/** Errors from node:fs may come from another realm (test sandboxes), so no `instanceof Error`. */
function errorMessage(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}

function notUtf8(bytes: Buffer): ManifestIssue {
  const text = new TextDecoder('utf-8').decode(bytes);
  const before = text.slice(0, Math.max(0, text.indexOf('\uFFFD')));
  const lines = before.split('\n');
  return {
    path: '',
    message: 'invalid TOML: the file is not valid UTF-8',
    line: lines.length,
    column: lines[lines.length - 1].length + 1,
  };
}

/** Parses and validates a manifest: either every job, or every problem. */
export function parseManifest(source: string): ManifestResult {
  const toml = readToml(source);
  if (!toml.ok) return { ok: false, errors: [toml.issue], warnings: [] };
  const root = toml.root;
  const issues = new Issues();
  checkKeys(root, ['defaults', 'models', 'hosts', 'jobs', 'sweeps'], '', issues);
  const defaults = readDefaults(root.defaults, issues);
  const schemas = readModels(root.models, issues);
  const hosts = readHosts(root.hosts, issues);
  const ctx = { defaults, schemas };
  const rawJobs = entryList(root.jobs, 'jobs', issues);
  const rawSweeps = entryList(root.sweeps, 'sweeps', issues);
  const jobs = rawJobs.map((v, i) => readJob(v, indexPath('jobs', i), issues, ctx));
  const sweeps = rawSweeps.map((v, i) => readSweep(v, indexPath('sweeps', i), issues, ctx));

  const validJobs = jobs.filter((e): e is JobEntry => e !== undefined);
  const validSweeps = sweeps.filter((e): e is SweepEntry => e !== undefined);
  checkPipelines([...validJobs, ...validSweeps], [...rawJobs, ...rawSweeps], defaults, issues);
  const specs = checkSize(validJobs, validSweeps, issues) ? expand(validJobs, validSweeps, issues) : [];
  const warnings = [
    ...coverageWarnings([...validJobs, ...validSweeps], hosts),
    ...gpuWarnings([...validJobs, ...validSweeps]),
    ...unusedModelWarnings([...rawJobs, ...rawSweeps], schemas.keys(), hosts),
  ];

  if (issues.count > 0) return { ok: false, errors: issues.list, warnings };
  const hostRecord: Record<string, HostSpec> = Object.create(null);
  for (const host of hosts) hostRecord[host.hostname] = host;
  const manifest = { defaults, models: modelRecord(schemas), hosts: hostRecord, jobs: specs, names: namesOf(specs) };
  return { ok: true, manifest, warnings };
}

/** Each name → the ids of the jobs it covers, so that `after` resolves to jobs. */
function namesOf(specs: JobSpec[]): Record<string, string[]> {
  const names: Record<string, string[]> = Object.create(null);
  for (const spec of specs) if (spec.name !== null) (names[spec.name] ??= []).push(spec.id);
  return names;
}

function checkSize(jobs: JobEntry[], sweeps: SweepEntry[], issues: Issues): boolean {
  let total = jobs.length;
  for (const sweep of sweeps) {
    const size = sweepSize(sweep.modes, sweep.seeds, sweep.axes);
    total += size;
    if (total > MAX_MANIFEST_JOBS) {
      issues.add(sweep.path, `expands to ${size} jobs: a manifest may hold at most ${MAX_MANIFEST_JOBS} jobs in all`);
      return false;
    }
  }
  return true;
}

function spec(common: EntryCommon, point: Pick<JobSpec, 'mode' | 'seed' | 'hyper'>, order: number): JobSpec {
  const identity = {
    model: common.model,
    mode: point.mode,
    hyper: point.hyper,
    split_recipe: common.split_recipe,
    train_hosts: common.train_hosts,
    seed: point.seed,
  };
  return {
    id: jobId(identity),
    ...identity,
    ...common.constraints,
    priority: common.priority,
    max_attempts: common.max_attempts,
    timeout_s: common.timeout_s,
    ...common.scheduling,
    after: [...common.scheduling.after],
    retry_on_exit_codes: [...common.scheduling.retry_on_exit_codes],
    manifest_order: order,
  };
}

const shortId = (id: string) => `${id.slice(0, 12)}…`;

/** Where a job came from, named only when a duplicate must be reported. */
type Origin = { path: string; point?: SweepPoint; sweep?: SweepEntry };
const originLabel = (o: Origin) => (o.point && o.sweep ? `${o.path} (${describePoint(o.point, o.sweep.axes)})` : o.path);

/** All jobs in manifest order; two entries with one identity are reported where the later one is. */
function expand(jobs: JobEntry[], sweeps: SweepEntry[], issues: Issues): JobSpec[] {
  const specs: JobSpec[] = [];
  const firstSeen = new Map<string, Origin>();
  for (const job of jobs) {
    const s = spec(job, job, specs.length);
    const first = firstSeen.get(s.id);
    if (first === undefined) firstSeen.set(s.id, { path: job.path });
    else issues.add(job.path, `same job as ${originLabel(first)} (id ${shortId(s.id)})`);
    specs.push(s);
  }
  for (const sweep of sweeps) {
    let duplicates = 0;
    for (const point of expandSweep(sweep.modes, sweep.seeds, sweep.axes)) {
      const s = spec(sweep, point, specs.length);
      const first = firstSeen.get(s.id);
      if (first === undefined) firstSeen.set(s.id, { path: sweep.path, point, sweep });
      else if (++duplicates <= MAX_DUPLICATES_REPORTED) {
        const where = describePoint(point, sweep.axes);
        issues.add(sweep.path, `point ${where} is the same job as ${originLabel(first)} (id ${shortId(s.id)})`);
      }
      specs.push(s);
    }
    if (duplicates > MAX_DUPLICATES_REPORTED) {
      issues.add(sweep.path, `and ${duplicates - MAX_DUPLICATES_REPORTED} more points that repeat earlier jobs`);
    }
  }
  return specs;
}
