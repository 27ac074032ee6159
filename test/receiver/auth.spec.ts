import { claimBody, Harness, OPERATOR_TOKEN, startReceiver } from '../support/receiver.harness';

const MANIFEST = '[[jobs]]\nmodel = "gbt"\nmode = "realistic"\n';
const OPERATOR_CALLS = [
  ['POST', '/v1/manifest/reload'],
  ['POST', '/v1/job/0123456789abcdef/cancel'],
  ['POST', '/v1/job/0123456789abcdef/requeue'],
] as const;

describe('receiver auth', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('operator endpoints: 401 without or with a wrong token, through with the right one', async () => {
    h = await startReceiver(MANIFEST);
    for (const [method, url] of OPERATOR_CALLS) {
      const missing = await h.app.inject({ method, url });
      expect(missing.statusCode).toBe(401);
      expect(missing.json().message).toMatch(/X-Operator-Token/);
      expect((await h.app.inject({ method, url, headers: { 'x-operator-token': 'wrong-token' } })).statusCode).toBe(401);
      const ok = await h.app.inject({ method, url, headers: { 'x-operator-token': OPERATOR_TOKEN } });
      expect([200, 404]).toContain(ok.statusCode);
    }
  });

  it('operator endpoints fail closed (403) when the receiver has no operator token', async () => {
    h = await startReceiver(MANIFEST, { CIS490_OPERATOR_TOKEN: '' });
    for (const [method, url] of OPERATOR_CALLS) {
      const r = await h.app.inject({ method, url, headers: { 'x-operator-token': 'anything-at-all' } });
      expect(r.statusCode).toBe(403);
      expect(r.json().message).toMatch(/CIS490_OPERATOR_TOKEN/);
    }
  });

  it('worker endpoints need the Bearer token when CIS490_WORKER_TOKEN is set; reads stay open', async () => {
    h = await startReceiver(MANIFEST, { CIS490_WORKER_TOKEN: 'worker-secret-1' });
    const claim = (headers: Record<string, string>) =>
      h.app.inject({ method: 'POST', url: '/v1/job/claim', payload: claimBody('lab1'), headers });
    expect((await claim({})).statusCode).toBe(401);
    expect((await claim({ authorization: 'Bearer nope-nope' })).statusCode).toBe(401);
    expect((await claim({ authorization: 'Basic d29ya2VyLXNlY3JldC0x' })).statusCode).toBe(401);
    expect((await h.app.inject({
      method: 'PUT', url: '/v1/model/0123456789abcdef', payload: 'x', headers: { 'content-type': 'application/zstd' },
    })).statusCode).toBe(401);
    const ok = await claim({ authorization: 'Bearer worker-secret-1' });
    expect(ok.statusCode).toBe(200);
    for (const url of ['/v1/jobs', '/v1/workers', '/v1/health', '/v1/models', '/metrics']) {
      expect((await h.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    }
  });
});
