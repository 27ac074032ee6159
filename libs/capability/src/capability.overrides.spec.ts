import { Capability } from '@cis490/contract';
import { applyCapabilityOverrides, readCapabilityOverrides } from './capability.overrides';

const detected = (over: Partial<Capability> = {}): Capability => ({
  hostname: 'lab1',
  cores: 16,
  ram_gib: 62.7,
  cuda: true,
  vram_gib: 24,
  gpus: [{ name: 'NVIDIA GeForce RTX 3090', vram_gib: 24 }],
  torch_version: '2.5.1',
  git_commit: null,
  platform: 'linux',
  arch: 'x64',
  ...over,
});

describe('capability overrides', () => {
  it('reads nothing from an environment without them, and empty values count as unset', () => {
    expect(readCapabilityOverrides({})).toEqual({});
    expect(readCapabilityOverrides({ CIS490_CUDA: '', CIS490_CORES: ' ' })).toEqual({});
  });

  it('CIS490_CUDA=0 hides every GPU', () => {
    const o = readCapabilityOverrides({ CIS490_CUDA: '0', CIS490_VRAM_GIB: '12' });
    expect(applyCapabilityOverrides(detected(), o)).toMatchObject({ cuda: false, vram_gib: 0, gpus: [] });
    expect(readCapabilityOverrides({ CIS490_CUDA: 'off' })).toEqual({ cuda: false });
  });

  it('CIS490_CUDA=1 uses what is detected and cannot invent a GPU', () => {
    const o = readCapabilityOverrides({ CIS490_CUDA: 'true' });
    expect(o).toEqual({});
    const cpuOnly = detected({ cuda: false, vram_gib: 0, gpus: [] });
    expect(applyCapabilityOverrides(cpuOnly, o)).toEqual(cpuOnly);
  });

  it('sets VRAM, RAM and cores', () => {
    const o = readCapabilityOverrides({ CIS490_VRAM_GIB: '10.5', CIS490_RAM_GIB: '32', CIS490_CORES: '4' });
    expect(applyCapabilityOverrides(detected(), o)).toMatchObject({
      cuda: true,
      vram_gib: 10.5,
      ram_gib: 32,
      cores: 4,
      gpus: [{ name: 'NVIDIA GeForce RTX 3090', vram_gib: 24 }],
    });
  });

  it('keeps vram_gib at 0 when no GPU is visible', () => {
    const o = readCapabilityOverrides({ CIS490_VRAM_GIB: '10' });
    expect(applyCapabilityOverrides(detected({ cuda: false, vram_gib: 0, gpus: [] }), o).vram_gib).toBe(0);
  });

  it.each([
    ['CIS490_CUDA', 'maybe'],
    ['CIS490_VRAM_GIB', '-1'],
    ['CIS490_VRAM_GIB', '8GB'],
    ['CIS490_RAM_GIB', 'lots'],
    ['CIS490_CORES', '0'],
    ['CIS490_CORES', '2.5'],
  ])('rejects %s=%s with an error naming the variable', (name, v) => {
    expect(() => readCapabilityOverrides({ [name]: v })).toThrow(new RegExp(`^${name} must .*"${v}"`));
  });
});
