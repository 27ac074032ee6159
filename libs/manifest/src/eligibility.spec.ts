import { effectiveWorker, ineligibility } from './eligibility';
import { jobConstraints } from '../../../test/support/manifest.fixtures';

const job = jobConstraints;
const cpu = { cuda: false, vram_gib: 0, ram_gib: 16, cores: 4 };
const gpu = { cuda: true, vram_gib: 24, ram_gib: 64, cores: 16 };

describe('effectiveWorker', () => {
  it('caps detected numbers by the host entry and lets cuda = false hide a GPU', () => {
    const w = effectiveWorker(
      { hostname: 'lab1', capability: gpu },
      { hostname: 'lab1', cuda: false, vram_gib: 8, ram_gib: 128 },
    );
    expect(w).toMatchObject({ cuda: false, vram_gib: 8, ram_gib: 64, cores: 16 });
  });

  it('intersects allow lists and unions deny lists of host and worker', () => {
    const w = effectiveWorker(
      { hostname: 'lab1', capability: cpu, allow_jobs: ['gbt', 'mlp'], deny_jobs: ['x'] },
      { hostname: 'lab1', allow_jobs: ['mlp', 'logreg'], deny_jobs: ['y'] },
    );
    expect(w.allow).toEqual(['mlp']);
    expect(w.deny.sort()).toEqual(['x', 'y']);
  });
});

describe('ineligibility', () => {
  const w = (capability = cpu, host = {}) =>
    effectiveWorker({ hostname: 'lab1', capability }, { hostname: 'lab1', ...host });

  it.each([
    ['require_cuda on a CPU host', job({ require_cuda: true }), w(), 'needs CUDA'],
    ['min_vram_gib makes a job CUDA-only', job({ min_vram_gib: 4 }), w(), 'needs CUDA'],
    ['too little VRAM', job({ min_vram_gib: 32 }), w(gpu), 'needs 32 GiB of VRAM'],
    ['too little RAM', job({ min_ram_gib: 32 }), w(), 'needs 32 GiB of RAM'],
    ['host not in allowed_hosts', job({ allowed_hosts: ['lab2'] }), w(), 'may run only on lab2'],
    ['model denied by host', job(), w(cpu, { deny_jobs: ['gbt'] }), 'model gbt is denied on lab1'],
    ['deny wins over allow', job(), w(cpu, { allow_jobs: ['gbt'], deny_jobs: ['gbt'] }), 'model gbt is denied on lab1'],
    ['model not allowed', job(), w(cpu, { allow_jobs: ['mlp'] }), 'model gbt is not allowed on lab1'],
  ])('%s', (_name, j, worker, reason) => {
    expect(ineligibility(j, worker)).toBe(reason);
  });

  it('accepts an eligible worker', () => {
    expect(ineligibility(job({ min_vram_gib: 16, allowed_hosts: ['lab1'] }), w(gpu))).toBeNull();
    expect(ineligibility(job({ prefer_cuda: true }), w())).toBeNull();
  });
});
