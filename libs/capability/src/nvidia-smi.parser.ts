import type { FreeGpu, Gpu } from '@cis490/contract';

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
  return parseIndexedNvidiaSmi(csv).map(({ name, vram_gib }) => ({ name, vram_gib }));
}

const INDEX_FIELD = /^(\d+)\s*,\s*(.*)$/;

/**
 * Parses `nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader,nounits`:
 * each GPU with its index, the number CUDA_VISIBLE_DEVICES takes. A line
 * without an index (`<name>, <MiB>`) takes its place in the list, which is
 * nvidia-smi's order.
 */
export function parseIndexedNvidiaSmi(csv: string): FreeGpu[] {
  const gpus: FreeGpu[] = [];
  for (const raw of csv.split(/\r?\n/)) {
    let line = raw.trim();
    let index = gpus.length;
    const indexed = INDEX_FIELD.exec(line);
    // `3, 24564` is a GPU named "3" without an index: an index needs a name and a memory after it.
    if (indexed && indexed[2].includes(',')) {
      index = Number(indexed[1]);
      line = indexed[2];
    }
    // The memory is the last field: split there so a comma in a name cannot shift it.
    const comma = line.lastIndexOf(',');
    if (comma <= 0) continue;
    const name = line.slice(0, comma).trim();
    const memory = line.slice(comma + 1).trim();
    if (name === '' || UNKNOWN_VALUE.test(name)) continue;
    if (MIB.test(memory)) gpus.push({ index, name, vram_gib: mibToGib(Number(memory)) });
    else if (UNKNOWN_VALUE.test(memory)) gpus.push({ index, name, vram_gib: 0 });
  }
  return gpus;
}

const MEMORY_USED = /^(\d+)\s*,\s*(\d+(?:\.\d+)?)$/;

/**
 * Parses `nvidia-smi --query-gpu=index,memory.used --format=csv,noheader,nounits`:
 * MiB in use by GPU index. Lines that are not `<index>, <MiB>` (a GPU that
 * cannot report it prints `[N/A]`) are left out: such a GPU is not known busy.
 */
export function parseNvidiaSmiMemoryUsed(csv: string): Map<number, number> {
  const used = new Map<number, number>();
  for (const raw of csv.split(/\r?\n/)) {
    const match = MEMORY_USED.exec(raw.trim());
    if (match) used.set(Number(match[1]), Number(match[2]));
  }
  return used;
}
