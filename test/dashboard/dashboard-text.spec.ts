import { answerOf, eventData } from '../../apps/dashboard/src/answer';
import { jobView, workerView } from '../support/views.fixtures';

/**
 * Every answer and event the page shows passes through these (api.ts, the
 * event source); what a worker or trainer put in one (an error, a host name)
 * reaches the page without control characters.
 */
describe('dashboard: text from the fleet', () => {
  const response = (body: unknown) => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });

  it('reaches the page without escape sequences or control characters', async () => {
    const { workers } = await answerOf<{ workers: { hostname: string }[] }>(response({ workers: [workerView({ hostname: 'lab1\x1b]0;pwned\x07' })] }));
    expect(workers[0].hostname).toBe('lab1');

    const job = await answerOf<{ error: string }>(response(jobView({ error: 'exit 3: boom\x1b[2J\x1b]52;c;ZXZpbA==\x07\nline 2' })));
    expect(job.error).toBe('exit 3: boom\nline 2');

    const event = eventData(JSON.stringify(jobView({ error: 'x\x9b2Jy' }))) as { error: string };
    expect(event.error).toBe('xy');
  });
});
