/**
 * Text from the fleet (a trainer's error, a worker's hostname, a log) shown to
 * a person. Whoever controls that text must not control the terminal or page
 * showing it: an escape sequence can clear the screen, retitle the window or
 * write the clipboard (OSC 52). So every C0 and C1 control character goes, and
 * with ESC the whole sequence it opens, so no half of one is left as text.
 */

/**
 * The grammar of escape sequences, as regular-expression sources, for every
 * filter of the fleet's text: CSI (`ESC [` or 0x9b, parameters and
 * intermediates, then a final byte); string commands OSC, DCS, SOS, PM, APC
 * (`ESC ] P X ^ _` or their C1 forms) up to their terminator, BEL or ST; and
 * any other `ESC x`.
 */
export const ESCAPE_GRAMMAR = {
  csi: String.raw`(?:\x1b\[|\x9b)[\x20-\x3f]*`,
  csiFinal: String.raw`[\x40-\x7e]`,
  stringCommand: String.raw`(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*`,
  stringEnd: String.raw`(?:\x07|\x1b\\|\x9c)`,
  escape: String.raw`\x1b`,
  escapeFinal: String.raw`[\x20-\x7e]`,
} as const;

/** Every sequence, whole or cut short by the end of the text (an unterminated one runs to the end). */
const { csi, csiFinal, stringCommand, stringEnd, escape, escapeFinal } = ESCAPE_GRAMMAR;
const ESCAPE_SEQUENCE = new RegExp(`${csi}${csiFinal}?|${stringCommand}${stringEnd}?|${escape}${escapeFinal}?`, 'g');
/** C0 but tab and newline, DEL, C1. A carriage return goes too: it lets a line overwrite what precedes it. */
const CONTROL_BUT_LINES = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
const LINE_BREAKS = /[\t\n]/g;

export interface TerminalTextOptions {
  /** Keep newlines and tabs (an error's lines, a log); otherwise each becomes a space. */
  multiline?: boolean;
}

/** `text` with every escape sequence and control character removed (see above). */
export function terminalSafe(text: string, opts: TerminalTextOptions = {}): string {
  const kept = text.replace(ESCAPE_SEQUENCE, '').replace(CONTROL_BUT_LINES, '');
  return opts.multiline ? kept : kept.replace(LINE_BREAKS, ' ');
}

/**
 * A copy of an answer with every string in it made terminal-safe (multi-line
 * texts keep their lines), for the formatters that lay it out for a person.
 * Keys are cleaned too: hyper and metric names come from the manifest and
 * the trainer.
 */
export function terminalSafeDeep<T>(value: T): T {
  if (typeof value === 'string') return terminalSafe(value, { multiline: true }) as T;
  if (Array.isArray(value)) return value.map((v) => terminalSafeDeep(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [terminalSafe(k), terminalSafeDeep(v)]),
    ) as T;
  }
  return value;
}
