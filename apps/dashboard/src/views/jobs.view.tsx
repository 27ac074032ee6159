import { JOB_STATUSES, type FleetEvent, type JobCounts, type JobPage, type JobStatus } from '@cis490/contract';
import { api } from '../api';
import { JobOutcome } from '../components/job-outcome';
import { StatusBadge } from '../components/status-badge';
import { Time } from '../components/time';
import { useTitle } from '../components/title';
import { formatHyper, shortId } from '../format';
import { replaceJob } from '../live/job-merge';
import { useLiveData } from '../live/live-data';
import { href, navigate } from '../router';

/** One page of the API at a time: fast at any number of jobs. */
export const PAGE_SIZE = 100;
const FILTERS = ['status', 'model', 'mode', 'worker_id'] as const;
type Filter = (typeof FILTERS)[number];

/** Values seen in any page so far: the filter inputs suggest them. */
const seen = { model: new Set<string>(), mode: new Set<string>(), worker_id: new Set<string>() };

function applyPage(page: JobPage, event: FleetEvent): JobPage {
  if (event.event === 'counts') return { ...page, counts: event.data as JobCounts };
  if (event.event !== 'job') return page;
  const jobs = replaceJob(page.jobs, event.data as JobPage['jobs'][number]);
  return jobs === page.jobs ? page : { ...page, jobs };
}

/** How many jobs the filters select, when the counts can tell (no filter, or status alone). */
function totalOf(counts: JobCounts, filters: Partial<Record<Filter, string>>): number | null {
  if (filters.model || filters.mode || filters.worker_id) return null;
  if (filters.status) return counts[filters.status as JobStatus] ?? 0;
  return JOB_STATUSES.reduce((sum, s) => sum + counts[s], 0);
}

/** Where this page sits: kept in the history entry, since a cursor alone cannot say. */
const pageNumber = (): number | null => (history.state as { page?: number } | null)?.page ?? null;

export function JobsView({ search }: { search: URLSearchParams }) {
  useTitle('Jobs');
  const filters = Object.fromEntries(FILTERS.map((f) => [f, search.get(f) ?? undefined])) as Partial<Record<Filter, string>>;
  const cursor = search.get('cursor') ?? undefined;
  const { data: page, error, loading } = useLiveData(
    search.toString(),
    () => api.jobs({ ...filters, status: filters.status as JobStatus | undefined, cursor, limit: PAGE_SIZE }),
    applyPage,
  );
  for (const job of page?.jobs ?? []) {
    seen.model.add(job.model);
    seen.mode.add(job.mode);
    if (job.worker_id) seen.worker_id.add(job.worker_id);
  }

  const setFilter = (name: Filter, value: string) => {
    const next = { ...filters, [name]: value.trim() || undefined };
    navigate(href('/jobs', next), { state: { page: 1 } });
  };
  const number = cursor ? pageNumber() : 1;
  const total = page ? totalOf(page.counts, filters) : null;
  const first = number ? (number - 1) * PAGE_SIZE + 1 : null;

  return (
    <>
      <div class="toolbar">
        <h1>Jobs</h1>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <label>
            Status
            <select name="status" value={filters.status ?? ''} onChange={(e) => setFilter('status', e.currentTarget.value)}>
              <option value="">any</option>
              {JOB_STATUSES.map((s) => (
                <option value={s}>
                  {s}
                  {page ? ` (${page.counts[s].toLocaleString('en-US')})` : ''}
                </option>
              ))}
            </select>
          </label>
          {(['model', 'mode', 'worker_id'] as const).map((name) => (
            <label>
              {name === 'worker_id' ? 'Worker' : name[0].toUpperCase() + name.slice(1)}
              <input
                name={name}
                type="search"
                list={`seen-${name}`}
                value={filters[name] ?? ''}
                placeholder="any"
                autocomplete="off"
                onChange={(e) => setFilter(name, e.currentTarget.value)}
              />
              <datalist id={`seen-${name}`}>
                {[...seen[name]].sort().map((v) => (
                  <option value={v} />
                ))}
              </datalist>
            </label>
          ))}
          {FILTERS.some((f) => filters[f]) && (
            <a class="button subtle" href={href('/jobs')}>
              Clear
            </a>
          )}
        </form>
      </div>

      {error && <p class="error-box">Could not load jobs: {error.message}</p>}
      {page && (
        <>
          <div class={loading ? 'table-wrap stale' : 'table-wrap'}>
            <table class="jobs">
              <thead>
                <tr>
                  <th>Job</th>
                  <th>Status</th>
                  <th>Model</th>
                  <th>Mode</th>
                  <th class="num">Seed</th>
                  <th>Hyper</th>
                  <th class="wide">Progress / outcome</th>
                  <th class="num" title="attempts used of max_attempts">Tries</th>
                  <th>Worker</th>
                  <th>Updated</th>
                </tr>
              </thead>
              <tbody>
                {page.jobs.map((job) => (
                  <tr data-job={job.id} data-status={job.status}>
                    <td>
                      <a class="mono" href={href(`/jobs/${job.id}`)} title={job.id}>
                        {shortId(job.id)}
                      </a>
                    </td>
                    <td>
                      <StatusBadge status={job.status} />
                    </td>
                    <td>{job.model}</td>
                    <td>{job.mode}</td>
                    <td class="num">{job.seed}</td>
                    <td class="mono small ellipsis hyper" title={formatHyper(job.hyper)}>
                      {formatHyper(job.hyper)}
                    </td>
                    <td class="wide">
                      <JobOutcome job={job} />
                    </td>
                    <td class="num">
                      {job.attempts}/{job.max_attempts}
                    </td>
                    <td>{job.worker_id ?? <span class="muted">—</span>}</td>
                    <td>
                      <Time iso={job.updated_at} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {page.jobs.length === 0 && <p class="muted empty-table">No job matches these filters.</p>}
          </div>
          <nav class="pager" aria-label="pages">
            <span class="muted">
              {page.jobs.length > 0 && first != null
                ? `${first.toLocaleString('en-US')}–${(first + page.jobs.length - 1).toLocaleString('en-US')}`
                : `${page.jobs.length} shown`}
              {total != null && ` of ${total.toLocaleString('en-US')}`}
            </span>
            {cursor && (
              <a class="button subtle" href={href('/jobs', filters)} onClick={(e) => {
                e.preventDefault();
                navigate(href('/jobs', filters), { state: { page: 1 } });
              }}>
                First page
              </a>
            )}
            {cursor && number != null && number > 1 && (
              <button type="button" class="subtle" onClick={() => history.back()}>
                ← Previous
              </button>
            )}
            {page.next_cursor && (
              <a
                class="button"
                href={href('/jobs', { ...filters, cursor: page.next_cursor })}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(href('/jobs', { ...filters, cursor: page.next_cursor! }), { state: { page: number != null ? number + 1 : null } });
                }}
              >
                Next {PAGE_SIZE} →
              </a>
            )}
          </nav>
        </>
      )}
      {!page && !error && <p class="muted loading">Loading jobs…</p>}
    </>
  );
}
