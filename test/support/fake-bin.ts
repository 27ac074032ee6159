import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A new bin dir under `dir` holding executable shell scripts (name → body), to
 * put first on PATH: the host probes' boundary (nvidia-smi, python3, git).
 */
export function fakeBin(dir: string, commands: Record<string, string>): string {
  const bin = mkdtempSync(join(dir, 'bin-'));
  for (const [name, body] of Object.entries(commands)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }
  return bin;
}
