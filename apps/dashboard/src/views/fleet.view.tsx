import {
  JOB_STATUSES, type FleetEvent, type HealthView, type JobCounts, type JobView, type WorkerView,
} from '@cis490/contract';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ProgressBar } from '../components/progress-bar';
import { OnlineBadge, StatusBadge, StatusIcon } from '../components/status-badge';
import { Time } from '../components/time';
import { useTitle } from '../components/title';
import { formatCapability, formatHyper, shortId } from '../format';
import { isNewer } from '../live/job-merge';
import { useLiveData } from '../live/live-data';
import { href } from '../router';

/** Claimed and running jobs fit in one page each on any fleet a lab runs. */
const ACTIVE_LIMIT = 1000;
/** The failed jobs read to find the latest ones (the API pages in queue order, not by time). */
const FAILED_SCAN = 500;
const RECENT_FAILURES = 8;

interface Fleet {
  health: HealthView;
  counts: JobCounts;
  workers: WorkerView[];
  /** Jobs by id: the claimed and running ones, and any a worker names. */
  jobs: Map<string, JobView>;
  failures: JobView[];
}

const finishedAt = (job: JobView) => Date.parse(job.finished_at ?? job.updated_at);
const latestFailures = (jobs: JobView[]) =>
  jobs
    .filter((job) => job.status === 'failed')
    .sort((a, b) => finishedAt(b) - finishedAt(a))
    .slice(0, RECENT_FAILURES);

async function loadFleet(): Promise<Fleet> {
  const [health, { workers }, running, claimed, failed] = await Promise.all([
    api.health(),
    api.workers(),
    api.jobs({ status: 'running', limit: ACTIVE_LIMIT }),
    api.jobs({ status: 'claimed', limit: ACTIVE_LIMIT }),
    api.jobs({ status: 'failed', limit: FAILED_SCAN }),
  ]);
  return {
    health,
    counts: running.counts,
    workers,
    jobs: new Map([...running.jobs, ...claimed.jobs].map((job) => [job.id, job])),
    failures: latestFailures(failed.jobs),
  };
}

function applyFleet(fleet: Fleet, event: FleetEvent): Fleet {
  switch (event.event) {
    case 'counts':
      return { ...fleet, counts: event.data as JobCounts };
    case 'worker': {
      const worker = event.data as WorkerView;
      const workers = [...fleet.workers.filter((w) => w.worker_id !== worker.worker_id), worker];
      return { ...fleet, workers, jobs: keepShown(fleet.jobs, workers) };
    }
    case 'job': {
      const job = event.data as JobView;
      const known = fleet.jobs.get(job.id);
      if (known && !isNewer(job, known)) return fleet;
      const jobs = keepShown(new Map(fleet.jobs).set(job.id, job), fleet.workers);
      const wasListed = fleet.failures.some((f) => f.id === job.id);
      const failures =
        job.status === 'failed' || wasListed
          ? latestFailures([job, ...fleet.failures.filter((f) => f.id !== job.id)])
          : fleet.failures;
      return { ...fleet, jobs, failures };
    }
    default:
      return fleet;
  }
}

/**
 * The jobs the page shows: claimed or running, or still named by a worker.
 * Every other job's event passes through, so a long watch over a large queue
 * keeps a small map.
 */
function keepShown(jobs: Map<string, JobView>, workers: WorkerView[]): Map<string, JobView> {
  const named = new Set(workers.flatMap((w) => w.current_job_ids));
  return new Map([...jobs].filter(([id, job]) => job.status === 'claimed' || job.status === 'running' || named.has(id)));
}

/** `GPU 0`, `GPUs 1, 2`, or `CPU` for a job given no GPU. */
const gpuLabel = (gpus: number[] | undefined) =>
  !gpus?.length ? 'CPU' : `${gpus.length === 1 ? 'GPU' : 'GPUs'} ${[...gpus].sort((a, b) => a - b).join(', ')}`;

const byOnlineThenName = (a: WorkerView, b: WorkerView) =>
  Number(b.online) - Number(a.online) || a.worker_id.localeCompare(b.worker_id);

export function FleetView() {
  useTitle('Fleet');
  const { data: fleet, error } = useLiveData('fleet', loadFleet, applyFleet);
  // A job a worker names that the fleet has not seen yet (claimed since the load, before its event).
  const [named, setNamed] = useState(new Map<string, JobView>());
  const missing = fleet
    ? fleet.workers.flatMap((w) => w.current_job_ids).filter((id) => !fleet.jobs.has(id) && !named.has(id))
    : [];
  useEffect(() => {
    for (const id of missing) {
      api.job(id).then((job) => setNamed((m) => new Map(m).set(job.id, job)), () => undefined);
    }
  }, [missing.join()]);

  if (error) return <p class="error-box">Could not load the fleet: {error.message}</p>;
  if (!fleet) return <p class="muted loading">Loading the fleet…</p>;
  const jobOf = (id: string) => fleet.jobs.get(id) ?? named.get(id);
  const workers = fleet.workers.slice().sort(byOnlineThenName);
  const online = workers.filter((w) => w.online).length;

  return (
    <>
      {fleet.health.manifest.error && (
        <p class="error-box">
          The manifest in force could not be reloaded: {fleet.health.manifest.error}
        </p>
      )}
      <section aria-labelledby="counts-h">
        <h1 id="counts-h" class="visually-hidden">
          Jobs by status
        </h1>
        <div class="counts">
          {JOB_STATUSES.map((status) => (
            <a class={`count count-${status}`} href={href('/jobs', { status })} data-status={status}>
              <span class="count-label">
                <StatusIcon status={status} />
                {status}
              </span>
              <span class="count-value">{fleet.counts[status].toLocaleString('en-US')}</span>
            </a>
          ))}
        </div>
      </section>

      <section aria-labelledby="workers-h">
        <h2 id="workers-h">
          Workers <span class="muted">{online} online of {workers.length}</span>
        </h2>
        {workers.length === 0 ? (
          <p class="muted">No worker has called in yet. Start one with <code>cis490-worker run</code>.</p>
        ) : (
          <div class="workers">
            {workers.map((worker) => (
              <article class={worker.online ? 'worker' : 'worker offline'} data-worker={worker.worker_id}>
                <header>
                  <strong class="worker-id">{worker.worker_id}</strong>
                  <OnlineBadge online={worker.online} />
                  <span class="muted worker-seen">
                    seen <Time iso={worker.last_seen} />
                  </span>
                </header>
                <p class="worker-cap" title={`${worker.capability.platform}/${worker.capability.arch}, torch ${worker.capability.torch_version ?? 'none'}`}>
                  {worker.hostname !== worker.worker_id && <span>{worker.hostname} · </span>}
                  {formatCapability(worker.capability)}
                </p>
                <p class="worker-slots muted">
                  {worker.current_job_ids.length} of {worker.slots} slot{worker.slots === 1 ? '' : 's'} in use
                </p>
                {worker.current_job_ids.length === 0 ? (
                  <p class="muted slot">idle</p>
                ) : (
                  worker.current_job_ids.map((id) => {
                    const job = jobOf(id);
                    const gpus = worker.current_jobs.find((held) => held.job_id === id)?.gpus;
                    return (
                      <div class="slot" data-job={id}>
                        <div class="slot-head">
                          <a href={href(`/jobs/${id}`)} class="mono">
                            {shortId(id)}
                          </a>
                          <span class="slot-gpus" title="the GPUs this job holds (CUDA_VISIBLE_DEVICES)">
                            {gpuLabel(gpus)}
                          </span>
                          {job && (
                            <>
                              <span class="slot-model">
                                {job.model} · {job.mode}
                              </span>
                              <StatusBadge status={job.status} />
                            </>
                          )}
                        </div>
                        {job && <ProgressBar progress={job.progress} compact />}
                      </div>
                    );
                  })
                )}
              </article>
            ))}
          </div>
        )}
      </section>

      <section aria-labelledby="failures-h">
        <h2 id="failures-h">
          Recent failures{' '}
          <a class="small" href={href('/jobs', { status: 'failed' })}>
            all failed jobs ({fleet.counts.failed.toLocaleString('en-US')})
          </a>
        </h2>
        {fleet.failures.length === 0 ? (
          <p class="muted">No failed jobs.</p>
        ) : (
          <ul class="failures">
            {fleet.failures.map((job) => (
              <li data-job={job.id}>
                <div class="failure-head">
                  <a href={href(`/jobs/${job.id}`)} class="mono">
                    {shortId(job.id)}
                  </a>
                  <strong>
                    {job.model} · {job.mode}
                  </strong>
                  <span class="muted ellipsis">{formatHyper(job.hyper)}</span>
                  <span class="muted failure-when">
                    {job.worker_id && <>on {job.worker_id}, </>}
                    <Time iso={job.finished_at ?? job.updated_at} />
                    {job.exit_code != null && <>, exit {job.exit_code}</>}
                  </span>
                </div>
                <pre class="failure-error">{job.error ?? 'no error recorded'}</pre>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
