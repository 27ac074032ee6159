import { StringDecoder } from 'node:string_decoder';
import { ESCAPE_GRAMMAR } from '@cis490/contract';

/**
 * A job's log is the trainer's own output, and `logs` prints it as it is when
 * it goes to a file or a pipe. On a terminal, though, it is text someone else's
 * program wrote, and some of it acts on the terminal: a title change, a
 * clipboard write (OSC 52), a cleared screen, a switched mode. This keeps what
 * a log means (text, newlines, tabs, carriage returns for progress bars, SGR
 * colours) and drops every other escape sequence and control character.
 */
const { csi, csiFinal, stringCommand, stringEnd, escape, escapeFinal } = ESCAPE_GRAMMAR;
/** A whole sequence (libs/contract's grammar): what a piece may hold once an unfinished end is held back. */
const SEQUENCE = new RegExp(`${csi}${csiFinal}|${stringCommand}${stringEnd}|${escape}${escapeFinal}`, 'g');
/** An SGR sequence (colours, bold): harmless, and what makes a log readable. */
const SGR = /^(?:\x1b\[|\x9b)[0-9;:]*m$/;
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9a\x9c\x9f]/g;
/** Where a sequence may begin that the piece so far does not finish. */
const INTRODUCER = /[\x1b\x90\x98\x9b\x9d\x9e\x9f]/g;
/** An unterminated string command longer than this is dropped rather than held. */
const MAX_HELD = 4096;

export class TerminalLogFilter {
  private readonly decoder = new StringDecoder('utf8');
  private held = '';

  write(chunk: Buffer): string {
    const text = this.held + this.decoder.write(chunk);
    const cut = unfinishedFrom(text);
    this.held = text.length - cut <= MAX_HELD ? text.slice(cut) : '';
    return clean(text.slice(0, cut));
  }

  /** The log ended: an unfinished sequence at its end is dropped with the rest of it. */
  end(): string {
    const rest = this.held + this.decoder.end();
    this.held = '';
    return clean(rest.slice(0, unfinishedFrom(rest)));
  }
}

function clean(text: string): string {
  return text.replace(SEQUENCE, (seq) => (SGR.test(seq) ? seq : '')).replace(CONTROL, '');
}

/** The index of the last escape introducer when what follows it is not a whole sequence yet; else the length. */
function unfinishedFrom(text: string): number {
  let last = -1;
  for (const m of text.matchAll(INTRODUCER)) last = m.index;
  return last >= 0 && !WHOLE.test(text.slice(last)) ? last : text.length;
}

/** A sequence that is complete: a string command needs its terminator, a CSI its final byte, an ESC one more character. */
const WHOLE = new RegExp(String.raw`^(?:${stringCommand}${stringEnd}|${csi}${csiFinal}|\x1b[^\]PX^_[])`);
