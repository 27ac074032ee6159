import { api } from '../../apps/dashboard/src/api';
import { jobView, workerView } from '../support/views.fixtures';

/**
 * The page's text comes from the API; what a worker or trainer put in it
 * (an error, a host name) reaches the page without control characters.
 * fetch is the boundary here: the page runs in a browser, this in Node.
 */
describe('dashboard: text from the fleet', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });
  const answer = (body: unknown) => {
    globalThis.fetch = (async () => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } })) as typeof fetch;
  };

  it('reaches the page without escape sequences or control characters', async () => {
    answer({ workers: [workerView({ hostname: 'lab1\x1b]0;pwned\x07' })] });
    const { workers } = await api.workers();
    expect(workers[0].hostname).toBe('lab1');

    answer({ ...jobView({ error: 'exit 3: boom\x1b[2J\x1b]52;c;ZXZpbA==\x07\nline 2' }), events: [], runs: [], pending_reason: null });
    const job = await api.job('a'.repeat(64));
    expect(job.error).toBe('exit 3: boom\nline 2');
  });
});
