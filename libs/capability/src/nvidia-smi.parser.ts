import { Gpu } from '@cis490/contract';

/** `nvidia-smi` writes `[N/A]` or `[Not Supported]` for a value it cannot read. */
const UNKNOWN_VALUE = /^\[.*\]$/;
const MIB = /^\d+(\.\d+)?$/;

/** MiB → GiB, one decimal, as SPEC §5 states every memory figure. */
export const mibToGib = (mib: number): number => Math.round((mib / 1024) * 10) / 10;

/**
 * Parses `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits`.
 * Lines that are not `<name>, <MiB>` (banners, driver errors, garbage) are
 * skipped. A GPU whose memory nvidia-smi cannot report (unified-memory parts
 * print `[N/A]`) is kept with 0 GiB: it can still run CUDA jobs, just none
 * that ask for a minimum of VRAM.
 */
export function parseNvidiaSmi(csv: string): Gpu[] {
  const gpus: Gpu[] = [];
  for (const raw of csv.split(/\r?\n/)) {
    const line = raw.trim();
    // The memory is the last field: split there so a comma in a name cannot shift it.
    const comma = line.lastIndexOf(',');
    if (comma <= 0) continue;
    const name = line.slice(0, comma).trim();
    const memory = line.slice(comma + 1).trim();
    if (name === '' || UNKNOWN_VALUE.test(name)) continue;
    if (MIB.test(memory)) gpus.push({ name, vram_gib: mibToGib(Number(memory)) });
    else if (UNKNOWN_VALUE.test(memory)) gpus.push({ name, vram_gib: 0 });
  }
  return gpus;
}
