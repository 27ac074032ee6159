import { Injectable } from '@nestjs/common';

/**
 * The daemon's log: one plain line per event (journald adds the time and the
 * unit), never colours or multi-line output, so `journalctl -u` and grep work.
 * Progress goes to stdout, trouble to stderr.
 */
@Injectable()
export class WorkerLog {
  info(line: string): void {
    process.stdout.write(`${oneLine(line)}\n`);
  }

  warn(line: string): void {
    process.stderr.write(`warning: ${oneLine(line)}\n`);
  }

  error(line: string): void {
    process.stderr.write(`error: ${oneLine(line)}\n`);
  }
}

/** Newlines from a trainer's stderr or a receiver's message would split one event into several. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' | ').trim();
}

/** A job as the log names it: the ID's first 8 characters, which the CLI accepts as a prefix. */
export const shortId = (id: string): string => id.slice(0, 8);

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export const formatSeconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
