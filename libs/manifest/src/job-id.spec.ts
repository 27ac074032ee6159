import { createHash } from 'node:crypto';
import { canonicalJson, jobId } from './job-id';
import { JobIdentity } from './manifest.types';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const identity: JobIdentity = {
  model: 'gbt',
  mode: 'realistic',
  hyper: { n_estimators: 200, max_depth: 6, opt: { name: 'adam', betas: [0.9, 0.999] } },
  split_recipe: 'default',
  train_hosts: ['lab2', 'lab1'],
  seed: 0,
};
const canonical =
  '{"hyper":{"max_depth":6,"n_estimators":200,"opt":{"betas":[0.9,0.999],"name":"adam"}},' +
  '"mode":"realistic","model":"gbt","seed":0,"split_recipe":"default","train_hosts":["lab1","lab2"]}';

describe('canonicalJson', () => {
  it('sorts keys recursively and writes no whitespace', () => {
    expect(canonicalJson({ b: [{ z: 1, a: 2 }], a: { y: true, x: null } })).toBe('{"a":{"x":null,"y":true},"b":[{"a":2,"z":1}]}');
  });

  it('writes numbers as JSON.stringify does', () => {
    expect(canonicalJson([1.0, 0.1, -0, 1e21, 1e-7, 100])).toBe('[1,0.1,0,1e+21,1e-7,100]');
  });

  it('orders keys by UTF-16 code units (RFC 8785)', () => {
    expect(canonicalJson({ '\u{1F600}': 1, '\u20AC': 2, '1': 3, '\r': 4 })).toBe('{"\\r":4,"1":3,"€":2,"😀":1}');
  });
});

describe('jobId', () => {
  it('is the SHA-256 of the canonical identity with train_hosts sorted', () => {
    expect(jobId(identity)).toBe(sha256(canonical));
  });

  it('is stable across releases', () => {
    // Pinned (computed with sha256sum over the canonical text above): a change
    // here would orphan every job of every running fleet.
    expect(jobId(identity)).toBe('99aa60678adbd0cd3933101cdcef9aeb677d1d64a6f072fb1b7dd1f3321405b9');
  });

  it('ignores the order of train_hosts and of hyper keys', () => {
    const reordered = {
      ...identity,
      train_hosts: ['lab1', 'lab2'],
      hyper: { opt: { betas: [0.9, 0.999], name: 'adam' }, max_depth: 6, n_estimators: 200 },
    };
    expect(jobId(reordered)).toBe(jobId(identity));
  });

  it('ignores fields outside the identity, such as constraints and priority', () => {
    const withExtras = { ...identity, priority: 9, require_cuda: true, min_ram_gib: 4, max_attempts: 1 } as JobIdentity;
    expect(jobId(withExtras)).toBe(jobId(identity));
  });

  it('ignores the scheduling fields of SPEC §10: the pinned id holds with all of them set', () => {
    const scheduled = {
      ...identity,
      gpus: 2,
      name: 'train-gbt',
      after: ['prep'],
      retry_on_exit_codes: [1, 75],
      retry_backoff_s: 5,
      retry_backoff_max_s: 60,
      not_before: '2026-01-01T00:00:00.000Z',
    } as JobIdentity;
    expect(jobId(scheduled)).toBe('99aa60678adbd0cd3933101cdcef9aeb677d1d64a6f072fb1b7dd1f3321405b9');
  });

  it.each([
    ['model', { model: 'mlp' }],
    ['mode', { mode: 'oracle' }],
    ['seed', { seed: 1 }],
    ['split_recipe', { split_recipe: 'by-week' }],
    ['train_hosts', { train_hosts: ['lab1'] }],
    ['hyper', { hyper: { ...identity.hyper, max_depth: 7 } }],
  ])('changes with %s', (_field, change) => {
    expect(jobId({ ...identity, ...change })).not.toBe(jobId(identity));
  });

  it('does not sort the caller’s train_hosts in place', () => {
    const hosts = ['b', 'a'];
    jobId({ ...identity, train_hosts: hosts });
    expect(hosts).toEqual(['b', 'a']);
  });
});
