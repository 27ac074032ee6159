import { coverageProblem, declaredHostsAtBest } from './host-coverage';
import { jobConstraints } from '../../../test/support/manifest.fixtures';

const job = jobConstraints;

describe('declaredHostsAtBest', () => {
  it('treats what a host does not declare as unlimited, and applies what it does', () => {
    const [bare, capped] = declaredHostsAtBest([
      { hostname: 'gpu1' },
      { hostname: 'labpi', cuda: false, ram_gib: 8, deny_jobs: ['bert'] },
    ]);
    expect(bare).toMatchObject({ cuda: true, vram_gib: Infinity, ram_gib: Infinity, cores: Infinity, allow: null, deny: [] });
    expect(capped).toMatchObject({ cuda: false, vram_gib: Infinity, ram_gib: 8, deny: ['bert'] });
  });
});

describe('coverageProblem', () => {
  const workers = declaredHostsAtBest([
    { hostname: 'labpi', cuda: false, ram_gib: 8 },
    { hostname: 'gpu1', vram_gib: 24, allow_jobs: ['mlp'] },
  ]);

  it('is null when one declared host can run the job', () => {
    expect(coverageProblem(job({ min_ram_gib: 4 }), workers)).toBeNull();
    expect(coverageProblem(job({ model: 'mlp', min_vram_gib: 16 }), workers)).toBeNull();
  });

  it('names every host’s reason when none can', () => {
    expect(coverageProblem(job({ require_cuda: true }), workers)).toBe(
      'no declared host can run it (labpi: needs CUDA; gpu1: model gbt is not allowed on gpu1)',
    );
    expect(coverageProblem(job({ model: 'mlp', min_vram_gib: 48 }), workers)).toBe(
      'no declared host can run it (labpi: needs CUDA; gpu1: needs 48 GiB of VRAM)',
    );
  });

  it('is null without declared hosts: nothing to judge by', () => {
    expect(coverageProblem(job({ require_cuda: true, allowed_hosts: ['x'] }), [])).toBeNull();
  });
});
