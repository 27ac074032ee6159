import Table from 'cli-table3';
import { Palette } from './colors';

const NO_BORDERS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '',
  right: '', 'right-mid': '', middle: '  ',
};

/** A borderless, compact table: columns two spaces apart, no trailing blanks. */
export function renderTable(head: string[], rows: string[][], colors: Palette, indent = ''): string {
  const table = new Table({
    head: head.map((h) => colors.bold(h)),
    chars: NO_BORDERS,
    // cli-table3 would colour the head itself (and not only on a TTY): leave that to the palette.
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  table.push(...rows);
  return table
    .toString()
    .split('\n')
    .map((line) => indent + line.trimEnd())
    .join('\n');
}

/** `key  value` lines with the keys aligned, for one record. */
export function renderFields(fields: [string, string][], colors: Palette): string {
  const width = Math.max(0, ...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${colors.bold(k.padEnd(width))}  ${v}`).join('\n');
}
