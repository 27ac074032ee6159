import { closest, didYouMean } from './did-you-mean';

describe('closest', () => {
  const keys = ['require_cuda', 'prefer_cuda', 'min_vram_gib', 'min_ram_gib', 'seed', 'mode', 'model'];

  it.each([
    ['requre_cuda', 'require_cuda'],
    ['REQUIRE_CUDA', 'require_cuda'],
    ['min_ram_gb', 'min_ram_gib'],
    ['seeds', 'seed'],
    ['mdoe', 'mode'],
  ])('suggests %s → %s', (typo, expected) => {
    expect(closest(typo, keys)).toBe(expected);
  });

  it('suggests nothing for a word unlike every candidate', () => {
    expect(closest('types', ['hyper'])).toBeUndefined();
    expect(closest('gpu_count', keys)).toBeUndefined();
    expect(closest('x', [])).toBeUndefined();
  });
});

describe('didYouMean', () => {
  it('phrases the suggestion for a message, or adds nothing', () => {
    expect(didYouMean('depht', ['depth', 'lr'])).toBe(' (did you mean depth?)');
    expect(didYouMean('zzz', ['depth', 'lr'])).toBe('');
  });
});
