import { MAX_PAGE_SIZE, type FleetEvent, type JobView, type ResultsView as Results } from '@cis490/contract';
import { useEffect, useState } from 'preact/hooks';
import { api, artifactUrl } from '../api';
import { Time } from '../components/time';
import { useTitle } from '../components/title';
import { downloadText } from '../download';
import { hyperKeys, numericKeys, resultsCsv } from '../results-table';
import { formatNumber, formatValue, shortId } from '../format';
import { useLiveData } from '../live/live-data';
import { href, navigate } from '../router';

/** The completed jobs read for the model picker: one page, never every job. */
const MODEL_SCAN = 1000;

type Board = Results & { stale?: boolean };

/** A job completed (or left completed) for this model: the ranking may change. */
function applyBoard(board: Board, event: FleetEvent): Board {
  if (event.event !== 'job') return board;
  const job = event.data as JobView;
  if (job.model !== board.model) return board;
  const listed = board.results.some((r) => r.job_id === job.id);
  return job.status === 'completed' || listed ? { ...board, stale: true } : board;
}

/** Models and modes of completed jobs, for the pickers. */
function useChoices(): { models: string[]; modes: Map<string, string[]> } | undefined {
  const [choices, setChoices] = useState<{ models: string[]; modes: Map<string, string[]> }>();
  useEffect(() => {
    api.jobs({ status: 'completed', limit: MODEL_SCAN }).then(
      ({ jobs }) => {
        const modes = new Map<string, Set<string>>();
        for (const job of jobs) modes.set(job.model, (modes.get(job.model) ?? new Set()).add(job.mode));
        setChoices({
          models: [...modes.keys()].sort(),
          modes: new Map([...modes].map(([m, set]) => [m, [...set].sort()])),
        });
      },
      () => setChoices({ models: [], modes: new Map() }),
    );
  }, []);
  return choices;
}

export function ResultsView({ search }: { search: URLSearchParams }) {
  const choices = useChoices();
  const model = search.get('model') ?? '';
  const mode = search.get('mode') ?? '';
  const metric = search.get('metric') ?? '';
  const order = search.get('order') === 'asc' ? 'asc' : 'desc';
  useTitle(model ? `Results ${model}` : 'Results');

  // No model chosen: the first one that has results.
  useEffect(() => {
    if (!model && choices?.models.length) navigate(href('/results', { model: choices.models[0] }), { replace: true });
  }, [model, choices]);

  const { data: board, error, loading, reload } = useLiveData<Board>(
    `results:${search.toString()}`,
    () =>
      model
        ? api.results({ model, mode: mode || undefined, metric: metric || undefined, order, limit: MAX_PAGE_SIZE })
        : Promise.resolve({ model: '', metric: null, order, results: [] }),
    applyBoard,
  );
  // A completion re-ranks the board: read it again, at most every 2 s.
  useEffect(() => {
    if (!board?.stale) return;
    const timer = setTimeout(reload, 2000);
    return () => clearTimeout(timer);
  }, [board?.stale]);

  const set = (changes: Record<string, string | undefined>) =>
    navigate(href('/results', { model, mode: mode || undefined, metric: metric || undefined, order: order === 'asc' ? 'asc' : undefined, ...changes }));
  const rows = board?.results ?? [];
  const hyper = hyperKeys(rows);
  const ranked = board?.metric ?? null;
  const metrics = numericKeys(rows).sort((a, b) => Number(b === ranked) - Number(a === ranked));
  const sortBy = (name: string) =>
    set({ metric: name, order: name === ranked && order === 'desc' ? 'asc' : undefined });
  const modes = choices?.modes.get(model) ?? [...new Set(rows.map((r) => r.mode))];

  return (
    <>
      <div class="toolbar">
        <h1>Results</h1>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <label>
            Model
            <input
              name="model"
              list="result-models"
              value={model}
              placeholder={choices && !choices.models.length ? 'no completed jobs yet' : 'model'}
              autocomplete="off"
              onChange={(e) => set({ model: e.currentTarget.value.trim(), mode: undefined, metric: undefined, order: undefined })}
            />
            <datalist id="result-models">
              {choices?.models.map((m) => (
                <option value={m} />
              ))}
            </datalist>
          </label>
          <label>
            Mode
            <select name="mode" value={mode} onChange={(e) => set({ mode: e.currentTarget.value || undefined })}>
              <option value="">all modes</option>
              {[...new Set([...modes, ...(mode ? [mode] : [])])].map((m) => (
                <option value={m}>{m}</option>
              ))}
            </select>
          </label>
          <button
            type="button"
            disabled={!rows.length}
            onClick={() => board && downloadText(`results-${model}${mode ? `-${mode}` : ''}${ranked ? `-by-${ranked}` : ''}.csv`, resultsCsv(board))}
          >
            Download CSV
          </button>
        </form>
      </div>
      {error && <p class="error-box">Could not load results: {error.message}</p>}
      {!model && choices && !choices.models.length && <p class="muted">No job has completed yet: nothing to rank.</p>}
      {model && board && (
        <>
          <p class="muted small">
            {rows.length.toLocaleString('en-US')} completed {rows.length === 1 ? 'job' : 'jobs'} of <strong>{model}</strong>
            {mode && <> in {mode}</>}
            {ranked ? <>, ranked by <strong>{ranked}</strong> ({order === 'desc' ? 'highest first' : 'lowest first'}); jobs without it last.</> : '.'}{' '}
            Click a metric to rank by it.
          </p>
          <div class={loading ? 'table-wrap stale' : 'table-wrap'}>
            <table class="results">
              <thead>
                <tr>
                  <th class="num">#</th>
                  <th>Job</th>
                  {metrics.map((k) => (
                    <th class="num metric-col" aria-sort={k === ranked ? (order === 'desc' ? 'descending' : 'ascending') : 'none'}>
                      <button type="button" class="sort" onClick={() => sortBy(k)} title={`rank by ${k}`}>
                        {k}
                        <span aria-hidden="true">{k === ranked ? (order === 'desc' ? ' ▼' : ' ▲') : ' ↕'}</span>
                      </button>
                    </th>
                  ))}
                  <th>Mode</th>
                  <th class="num">Seed</th>
                  {hyper.map((k) => (
                    <th class="hyper-col" title="hyperparameter">{k}</th>
                  ))}
                  <th>Finished</th>
                  <th>Worker</th>
                  <th>Bundle</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr data-job={r.job_id}>
                    <td class="num muted">{i + 1}</td>
                    <td>
                      <a class="mono" href={href(`/jobs/${r.job_id}`)} title={r.job_id}>
                        {shortId(r.job_id)}
                      </a>
                    </td>
                    {metrics.map((k) => (
                      <td class={k === ranked ? 'num mono strong' : 'num mono'}>{formatNumber(r.metrics?.[k])}</td>
                    ))}
                    <td>{r.mode}</td>
                    <td class="num">{r.seed}</td>
                    {hyper.map((k) => (
                      <td class="mono">{formatValue(r.hyper[k])}</td>
                    ))}
                    <td>
                      <Time iso={r.finished_at} />
                    </td>
                    <td>{r.worker_id ?? <span class="muted">—</span>}</td>
                    <td>{r.artifact_sha256 ? <a href={artifactUrl(r.artifact_sha256)} download>download</a> : <span class="muted">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {rows.length === 0 && <p class="muted empty-table">No completed job of {model}{mode && ` in ${mode}`} yet.</p>}
          </div>
        </>
      )}
    </>
  );
}
