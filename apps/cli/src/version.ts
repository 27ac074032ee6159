import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The package version, from the nearest package.json above this file (source or dist alike). */
export const VERSION: string = (() => {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')).version ?? 'unknown';
  }
  return 'unknown';
})();
