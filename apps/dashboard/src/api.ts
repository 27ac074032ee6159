/** The receiver's HTTP API, as this app reads it: same origin, JSON, one error shape. */
import {
  OPERATOR_TOKEN_HEADER, type ArtifactRecord, type HealthView, type JobDetail, type JobListQuery, type JobPage,
  type JobProgress, type JobView, type ResultsQuery, type ResultsView, type WorkerView,
} from '@cis490/contract';
import { answerOf } from './answer';

/** A non-2xx answer: `message` is the receiver's own (SPEC §3 error shape). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: Record<string, unknown> | null,
  ) {
    super(message);
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  const message = body?.message;
  const text = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : res.statusText;
  return new ApiError(res.status, `${res.status}: ${text}`, body);
}

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, { ...init, headers: { accept: 'application/json', ...init.headers } });
  if (!res.ok) throw await errorOf(res);
  return answerOf<T>(res);
}

/** `?a=1&b=x` from the values given, the empty ones left out. */
export function query(params: object): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') q.set(key, String(value));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

const job = (id: string) => `/v1/job/${encodeURIComponent(id)}`;

export const api = {
  jobs: (q: JobListQuery) => request<JobPage>(`/v1/jobs${query(q)}`),
  job: (id: string) => request<JobDetail>(job(id)),
  workers: () => request<{ workers: WorkerView[] }>('/v1/workers'),
  health: () => request<HealthView>('/v1/health'),
  models: (q: { model?: string; mode?: string }) => request<{ models: ArtifactRecord[] }>(`/v1/models${query(q)}`),
  progress: (id: string, attempt: number) => request<JobProgress>(`${job(id)}/progress${query({ attempt })}`),
  results: (q: ResultsQuery) => request<ResultsView>(`/v1/results${query(q)}`),
  cancel: (id: string, token: string) => operatorPost<JobView>(`${job(id)}/cancel`, token),
  requeue: (id: string, token: string, force: boolean) =>
    operatorPost<JobView>(`${job(id)}/requeue`, token, force ? { force } : undefined),
};

export const logUrl = (id: string, q: { attempt: number; offset?: number; follow?: 1 }) => `${job(id)}/log${query(q)}`;
export const artifactUrl = (sha256: string) => `/v1/models/${sha256}`;

function operatorPost<T>(path: string, token: string, body?: unknown): Promise<T> {
  return request<T>(path, {
    method: 'POST',
    headers: { [OPERATOR_TOKEN_HEADER]: token, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
}

const TOKEN_KEY = 'cis490.operator-token';

/** The operator token lives in this tab's session storage only: gone when the tab closes. */
export const operatorToken = {
  get: (): string => sessionStorage.getItem(TOKEN_KEY) ?? '',
  set: (token: string) => (token ? sessionStorage.setItem(TOKEN_KEY, token) : sessionStorage.removeItem(TOKEN_KEY)),
};
