import { parseIndexedNvidiaSmi, parseNvidiaSmi, parseNvidiaSmiMemoryUsed } from './nvidia-smi.parser';

describe('parseNvidiaSmi', () => {
  it('reads several GPUs, names with spaces and dashes, MiB to GiB at one decimal', () => {
    const csv = 'NVIDIA GeForce RTX 3090, 24576\nNVIDIA A100-SXM4-80GB, 81920\nTesla T4, 15360\n';
    expect(parseNvidiaSmi(csv)).toEqual([
      { name: 'NVIDIA GeForce RTX 3090', vram_gib: 24 },
      { name: 'NVIDIA A100-SXM4-80GB', vram_gib: 80 },
      { name: 'Tesla T4', vram_gib: 15 },
    ]);
  });

  it('rounds odd sizes to one decimal', () => {
    // Recorded from a real H200 host.
    expect(parseNvidiaSmi('NVIDIA H200, 143771\n')).toEqual([{ name: 'NVIDIA H200', vram_gib: 140.4 }]);
    expect(parseNvidiaSmi('NVIDIA GeForce RTX 4070 Laptop GPU, 8188')).toEqual([
      { name: 'NVIDIA GeForce RTX 4070 Laptop GPU', vram_gib: 8 },
    ]);
    expect(parseNvidiaSmi('NVIDIA GeForce GTX 1660 Ti, 5944')).toEqual([
      { name: 'NVIDIA GeForce GTX 1660 Ti', vram_gib: 5.8 },
    ]);
  });

  it('skips blank lines and CRLF line ends', () => {
    expect(parseNvidiaSmi('\r\n  NVIDIA H100 80GB HBM3, 81559\r\n\r\n')).toEqual([
      { name: 'NVIDIA H100 80GB HBM3', vram_gib: 79.6 },
    ]);
  });

  it('keeps a GPU whose memory is [N/A] or [Not Supported], with 0 GiB', () => {
    expect(parseNvidiaSmi('NVIDIA GB10, [N/A]\nNVIDIA Jetson, [Not Supported]')).toEqual([
      { name: 'NVIDIA GB10', vram_gib: 0 },
      { name: 'NVIDIA Jetson', vram_gib: 0 },
    ]);
  });

  it('ignores driver errors, banners and garbage', () => {
    const csv = [
      'NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver.',
      'Failed to initialize NVML: Driver/library version mismatch',
      'No devices were found',
      'name, memory.total [MiB]',
      ', 1024',
      '[N/A], 1024',
      'weird, 12abc',
      'NVIDIA L4, 23034',
    ].join('\n');
    expect(parseNvidiaSmi(csv)).toEqual([{ name: 'NVIDIA L4', vram_gib: 22.5 }]);
  });

  it('returns no GPU for empty output', () => {
    expect(parseNvidiaSmi('')).toEqual([]);
  });
});

describe('parseIndexedNvidiaSmi', () => {
  it('keeps the index nvidia-smi gives, and a comma in a name', () => {
    expect(parseIndexedNvidiaSmi('0, NVIDIA H200, 143771\n1, Odd, Name, 8192\n3, RTX 4090, [N/A]\n')).toEqual([
      { index: 0, name: 'NVIDIA H200', vram_gib: 140.4 },
      { index: 1, name: 'Odd, Name', vram_gib: 8 },
      { index: 3, name: 'RTX 4090', vram_gib: 0 },
    ]);
  });

  it('indexes lines without an index by their place', () => {
    expect(parseIndexedNvidiaSmi('RTX 3090, 24576\nRTX 3090, 24576\n')).toEqual([
      { index: 0, name: 'RTX 3090', vram_gib: 24 },
      { index: 1, name: 'RTX 3090', vram_gib: 24 },
    ]);
  });
});

describe('parseNvidiaSmiMemoryUsed', () => {
  it('reads MiB in use by index, leaving out GPUs that cannot say', () => {
    expect(parseNvidiaSmiMemoryUsed('0, 3\n1, 20480\n2, [N/A]\nNo devices were found\n')).toEqual(
      new Map([
        [0, 3],
        [1, 20480],
      ]),
    );
  });
});
