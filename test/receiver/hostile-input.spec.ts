import { claimBody, Harness, operator, startReceiver } from '../support/receiver.harness';

const MANIFEST = '[[jobs]]\nmodel = "gbt"\nmode = "realistic"\n';

describe('receiver under malformed and hostile input', () => {
  let h: Harness;
  let jobId: string;

  beforeAll(async () => {
    h = await startReceiver(MANIFEST);
    jobId = (await h.app.inject({ method: 'GET', url: '/v1/jobs' })).json().jobs[0].id;
  });
  afterAll(() => h.close());

  const post = (url: string, payload: string | object, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json', ...headers } });

  it.each([
    ['malformed JSON', '{"worker_id": "lab1",', /JSON/i],
    ['a JSON array', '[1,2,3]', /worker_id/],
    ['a missing field', { worker_id: 'lab1', hostname: 'lab1' }, /capability/],
    ['a wrong type', { ...claimBody('lab1'), hostname: 42 }, /hostname/],
    ['a wrong nested type', { ...claimBody('lab1'), capability: { ...claimBody('lab1').capability, cores: 'many' } }, /cores/],
    ['an unknown field', { ...claimBody('lab1'), requre_cuda: true }, /requre_cuda/],
    ['an unknown nested field', { ...claimBody('lab1'), capability: { ...claimBody('lab1').capability, extra: 1 } }, /extra/],
    ['a hostile worker id', claimBody('../../etc/passwd'), /worker_id/],
    ['an empty body', '', /body|JSON/i],
    [
      'more GPUs than any host has',
      { ...claimBody('lab1'), capability: { ...claimBody('lab1').capability, gpus: Array(65).fill({ name: 'x'.repeat(200), vram_gib: 1 }) } },
      /capability\.gpus must contain no more than 64 elements/,
    ],
  ])('claim with %s → 400 naming the problem', async (_name, payload, message) => {
    const r = await post('/v1/job/claim', payload as object);
    expect(r.statusCode).toBe(400);
    expect(r.json().statusCode).toBe(400);
    expect(JSON.stringify(r.json().message)).toMatch(message);
  });

  it('a body refused once is refused every time, and one answered once is checked again when its text changes', async () => {
    const fail = (exitCode: string) =>
      post(`/v1/job/${jobId}/fail`, `{"worker_id":"nobody","error":"boom","exit_code":${exitCode}}`);
    // Well-formed, so it reaches the queue: not this worker's job.
    for (let i = 0; i < 2; i++) expect((await fail('null')).statusCode).toBe(409);
    // Serialized again, 1e999 (Infinity) would read as null; the text says otherwise.
    for (let i = 0; i < 2; i++) {
      const r = await fail('1e999');
      expect(r.statusCode).toBe(400);
      expect(JSON.stringify(r.json().message)).toMatch(/exit_code/);
    }
  });

  it('a JSON body over 1 MiB → 413', async () => {
    const r = await post(`/v1/job/${jobId}/heartbeat`, { worker_id: 'lab1', log_tail: 'x'.repeat(1024 * 1024 + 10) });
    expect(r.statusCode).toBe(413);
  });

  it.each([
    ['a huge id', `/v1/job/${'a'.repeat(5000)}`],
    ['a path traversal id', '/v1/job/..%2F..%2Fetc%2Fpasswd'],
    ['a SQL-looking id', `/v1/job/${encodeURIComponent("abcdef01' OR '1'='1")}`],
    ['a LIKE wildcard prefix', '/v1/job/%25%25%25%25%25%25%25%25'],
    ['unicode', `/v1/job/${encodeURIComponent('ééééééééé')}`],
  ])('GET with %s → 404 (414 when longer than any route), never 5xx', async (_name, url) => {
    const r = await h.app.inject({ method: 'GET', url });
    expect([404, 414]).toContain(r.statusCode);
  });

  it('no endpoint answers 5xx to garbage, and the job is untouched afterwards', async () => {
    const garbage: (string | object)[] = ['null', '"str"', '{}', '{"worker_id":{"$ne":1}}', '{"worker_id":"lab1","error":[1]}',
      '{"worker_id":"lab1","artifact_sha256":"../x"}', '{"worker_id":"lab1","exit_code":1e400}', '{"force":"yes"}'];
    garbage.push('{"worker_id":"lab1","offset":-1,"text":"x"}', '{"worker_id":"lab1","offset":1.5,"text":"x"}',
      '{"worker_id":"lab1","offset":0,"text":["x"]}', '{"worker_id":"lab1","points":{"step":1}}',
      '{"worker_id":"lab1","points":[null]}', '{"worker_id":"lab1","points":[{"step":{"$gt":1}}]}');
    const urls = ['/v1/job/claim', `/v1/job/${jobId}/heartbeat`, `/v1/job/${jobId}/complete`, `/v1/job/${jobId}/fail`,
      `/v1/job/${jobId}/cancel`, `/v1/job/${jobId}/requeue`, '/v1/manifest/reload', `/v1/job/${jobId}/log`,
      `/v1/job/${jobId}/progress`];
    for (const url of urls) {
      for (const body of garbage) {
        const r = await post(url, body, operator);
        expect(r.statusCode).toBeLessThan(500);
      }
    }
    for (const query of ['limit=-1', 'limit=1e3', 'cursor=%00%01', 'cursor=AAAA', 'status[]=x', 'model[$ne]=1']) {
      const r = await h.app.inject({ method: 'GET', url: `/v1/jobs?${query}` });
      expect(r.statusCode).toBeLessThan(500);
    }
    for (const url of [`/v1/job/${jobId}/log?attempt=-1`, `/v1/job/${jobId}/log?offset=1e99`, `/v1/job/${jobId}/log?follow=yes`,
      `/v1/job/${jobId}/progress?attempt=%00`, '/v1/results?model=../x', '/v1/results?model=gbt&limit=abc']) {
      const r = await h.app.inject({ method: 'GET', url });
      expect(r.statusCode).toBeLessThan(500);
    }
    const job = (await h.app.inject({ method: 'GET', url: `/v1/job/${jobId}` })).json();
    // cancel then requeue with valid (empty) bodies leave it pending again, attempts untouched.
    expect(job).toMatchObject({ status: 'pending', attempts: 0 });
    expect((await h.app.inject({ method: 'GET', url: '/v1/health' })).statusCode).toBe(200);
  });
});
