import type { FleetEvent, JobDetail, JobRun, JobView as Job } from '@cis490/contract';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, artifactUrl } from '../api';
import { LogView } from '../components/log-view';
import { OperatorActions } from '../components/operator-actions';
import { ProgressBar } from '../components/progress-bar';
import { ProgressCharts } from '../components/progress-charts';
import { StatusBadge } from '../components/status-badge';
import { Time } from '../components/time';
import { useTitle } from '../components/title';
import { formatBytes, formatDuration, formatNumber, formatValue, shortId } from '../format';
import { isNewer } from '../live/job-merge';
import { useLiveData } from '../live/live-data';
import { href } from '../router';

/** Loaded detail, and whether an event said more than a job view carries (events, runs, pending_reason). */
type Detail = JobDetail & { stale?: boolean };

const LIVE_STATUSES = new Set(['claimed', 'running']);

function applyDetail(detail: Detail, event: FleetEvent): Detail {
  if (event.event === 'worker') return detail.status === 'pending' ? { ...detail, stale: true } : detail;
  if (event.event !== 'job') return detail;
  const job = event.data as Job;
  if (job.id !== detail.id || !isNewer(job, detail)) return detail;
  const moved = job.status !== detail.status || job.attempt !== detail.attempt;
  const runs = detail.runs.map((run) => (run.attempt === job.attempt ? { ...run, log_size: job.log_size } : run));
  return { ...detail, ...job, runs, stale: detail.stale || moved };
}

function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

const yesNo = (v: boolean) => (v ? 'yes' : 'no');

function Artifact({ job }: { job: Job }) {
  const [size, setSize] = useState<number | null>(null);
  const sha = job.artifact_sha256;
  useEffect(() => {
    if (!sha) return;
    api.models({ model: job.model, mode: job.mode }).then(
      ({ models }) => setSize(models.find((m) => m.sha256 === sha)?.size ?? null),
      () => undefined,
    );
  }, [sha]);
  if (!sha) return <span class="muted">none yet</span>;
  return (
    <span class="artifact">
      <a href={artifactUrl(sha)} download class="button small-button">
        Download bundle{size != null && ` (${formatBytes(size)})`}
      </a>{' '}
      <code class="sha" title={sha}>
        {sha.slice(0, 16)}…
      </code>
    </span>
  );
}

function Runs({ job }: { job: JobDetail }) {
  const runs = job.runs ?? [];
  const [chosen, setChosen] = useState<number | null>(null);
  if (!runs.length) return <p class="muted">Not claimed yet: no log or progress.</p>;
  const attempt = chosen ?? runs[runs.length - 1].attempt;
  const run: JobRun = runs.find((r) => r.attempt === attempt) ?? runs[runs.length - 1];
  const live = run.attempt === job.attempt && LIVE_STATUSES.has(job.status);
  return (
    <>
      {runs.length > 1 && (
        <div class="tabs" role="tablist" aria-label="attempts">
          {runs.map((r) => (
            <button
              type="button"
              role="tab"
              aria-selected={r.attempt === run.attempt}
              onClick={() => setChosen(r.attempt)}
            >
              Attempt {r.attempt}
              <span class="muted"> · {r.worker_id ?? '—'}</span>
            </button>
          ))}
        </div>
      )}
      <p class="muted small run-meta">
        Attempt {run.attempt} on {run.worker_id ?? '—'}, claimed <Time iso={run.claimed_at} /> · log{' '}
        {formatBytes(run.attempt === job.attempt ? Math.max(run.log_size, job.log_size) : run.log_size)}
        {run.log_truncated && ' (cut at the receiver’s limit)'}
        {!live && ` · ${run.progress_points.toLocaleString('en-US')} progress points`}
      </p>
      <h3>Progress</h3>
      {live && job.progress && <ProgressBar progress={job.progress} />}
      <ProgressCharts jobId={job.id} attempt={run.attempt} live={live} latest={run.attempt === job.attempt ? job.progress : null} />
      <h3>Log</h3>
      <LogView jobId={job.id} attempt={run.attempt} size={run.log_size} live={live} />
    </>
  );
}

function NotFound({ id, error }: { id: string; error: Error }) {
  const matches = error instanceof ApiError ? (error.body?.matches as string[] | undefined) : undefined;
  return (
    <section class="empty-state">
      <h1>Job {id}</h1>
      <p class="error-box">{error.message}</p>
      {matches?.length ? (
        <ul class="matches">
          {matches.map((m) => (
            <li>
              <a class="mono" href={href(`/jobs/${m}`)}>
                {m}
              </a>
            </li>
          ))}
        </ul>
      ) : null}
      <p>
        <a href={href('/jobs')}>All jobs</a>
      </p>
    </section>
  );
}

export function JobView({ id }: { id: string }) {
  const { data: job, error, reload } = useLiveData<Detail>(`job:${id}`, () => api.job(id), applyDetail);
  useTitle(job ? `${job.model} ${job.mode} ${shortId(job.id)}` : `Job ${shortId(id)}`);
  // Events, runs and pending_reason come only with the detail: read it again, at most once a second.
  useEffect(() => {
    if (!job?.stale) return;
    const timer = setTimeout(reload, 1000);
    return () => clearTimeout(timer);
  }, [job?.stale]);

  if (error && !job) return <NotFound id={id} error={error} />;
  if (!job) return <p class="muted loading">Loading job {id}…</p>;
  const ran = job.started_at && (job.finished_at ? Date.parse(job.finished_at) : Date.now()) - Date.parse(job.started_at);
  const hyper = Object.entries(job.hyper);
  const metrics = job.metrics ? Object.entries(job.metrics) : [];

  return (
    <>
      <nav class="crumbs" aria-label="breadcrumb">
        <a href={href('/jobs')}>Jobs</a> / <span class="mono">{shortId(job.id)}</span>
      </nav>
      <div class="job-head">
        <h1>
          {job.model} <span class="muted">·</span> {job.mode}
        </h1>
        <StatusBadge status={job.status} />
        <code class="job-id" title="the job's id">
          {job.id}
        </code>
      </div>
      {job.pending_reason && (
        <p class="notice" data-testid="pending-reason">
          <strong>Waiting:</strong> {job.pending_reason}
        </p>
      )}
      {job.error && (
        <div class="error-box">
          <strong>Error{job.exit_code != null && ` (exit ${job.exit_code})`}:</strong>
          <pre>{job.error}</pre>
        </div>
      )}

      <div class="job-grid">
        <section class="card" aria-labelledby="fields-h">
          <h2 id="fields-h">Job</h2>
          <dl class="fields">
            <Field label="Status">
              <StatusBadge status={job.status} /> {LIVE_STATUSES.has(job.status) && job.progress && <ProgressBar progress={job.progress} compact />}
            </Field>
            <Field label="Tries">
              {job.attempts} of {job.max_attempts} <span class="muted">(attempt #{job.attempt})</span>
            </Field>
            <Field label="Worker">{job.worker_id ?? <span class="muted">—</span>}</Field>
            <Field label="Seed">{job.seed}</Field>
            <Field label="Split">{job.split_recipe}</Field>
            <Field label="Train hosts">{job.train_hosts.join(', ') || <span class="muted">—</span>}</Field>
            <Field label="Priority">{job.priority}</Field>
            <Field label="Timeout">{job.timeout_s ? formatDuration(job.timeout_s) : <span class="muted">none</span>}</Field>
            <Field label="Needs">
              {[
                job.require_cuda ? 'CUDA' : job.prefer_cuda ? 'prefers CUDA' : 'CPU or CUDA',
                job.min_vram_gib ? `≥ ${job.min_vram_gib} GiB VRAM` : '',
                job.min_ram_gib ? `≥ ${job.min_ram_gib} GiB RAM` : '',
                job.allowed_hosts.length ? `hosts ${job.allowed_hosts.join(', ')}` : '',
              ]
                .filter(Boolean)
                .join(' · ')}
            </Field>
            <Field label="In manifest">{yesNo(job.in_manifest)}</Field>
            <Field label="Created"><Time iso={job.created_at} /></Field>
            <Field label="Claimed"><Time iso={job.claimed_at} /></Field>
            <Field label="Started">
              <Time iso={job.started_at} />
              {ran && !job.finished_at ? <span class="muted"> (running {formatDuration(ran / 1000)})</span> : null}
            </Field>
            <Field label="Heartbeat"><Time iso={job.heartbeat_at} /></Field>
            <Field label="Finished">
              <Time iso={job.finished_at} />
              {ran && job.finished_at ? <span class="muted"> (ran {formatDuration(ran / 1000)})</span> : null}
            </Field>
            <Field label="Artifact">
              <Artifact job={job} />
            </Field>
          </dl>
        </section>

        <div class="side">
          <section class="card" aria-labelledby="ops-h">
            <h2 id="ops-h">Operator</h2>
            <OperatorActions job={job} onChanged={reload} />
          </section>
          <section class="card" aria-labelledby="hyper-h">
            <h2 id="hyper-h">Hyperparameters</h2>
            {hyper.length ? (
              <table class="kv">
                <tbody>
                  {hyper.map(([k, v]) => (
                    <tr>
                      <th>{k}</th>
                      <td class="mono">{formatValue(v)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p class="muted">none</p>
            )}
          </section>
          {metrics.length > 0 && (
            <section class="card" aria-labelledby="metrics-h">
              <h2 id="metrics-h">Metrics</h2>
              <table class="kv">
                <tbody>
                  {metrics.map(([k, v]) => (
                    <tr>
                      <th>{k}</th>
                      <td class="mono">{typeof v === 'number' ? formatNumber(v) : formatValue(v)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
        </div>
      </div>

      <section class="card" aria-labelledby="runs-h">
        <h2 id="runs-h">Attempts</h2>
        <Runs job={job} />
      </section>

      <section class="card" aria-labelledby="events-h">
        <h2 id="events-h">Events</h2>
        <div class="table-wrap">
          <table class="events">
            <thead>
              <tr>
                <th>When</th>
                <th>Change</th>
                <th>Worker</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {job.events
                .slice()
                .reverse()
                .map((e) => (
                  <tr>
                    <td>
                      <Time iso={e.at} />
                    </td>
                    <td class="nowrap">
                      {e.from ? <StatusBadge status={e.from} /> : <span class="muted">new</span>} →{' '}
                      <StatusBadge status={e.to} />
                    </td>
                    <td>{e.worker_id ?? <span class="muted">—</span>}</td>
                    <td>{e.reason}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
