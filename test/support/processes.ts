import { readFileSync } from 'node:fs';

/**
 * Whether a process has ended: it no longer exists, or it is a zombie (PID 1
 * in a container may not reap orphans, so a killed grandchild can linger as one).
 */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    // The state follows the command name, which is in parentheses and may itself contain spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    // Without /proc (not Linux) the signal check above is all there is; on Linux it just ended.
    return process.platform === 'linux';
  }
}
