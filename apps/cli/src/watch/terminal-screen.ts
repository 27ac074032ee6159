/** ANSI control sequences: the alternate screen keeps the operator's scrollback as it was. */
const ENTER = '\u001b[?1049h\u001b[?25l';
const LEAVE = '\u001b[?25h\u001b[?1049l';
const HOME = '\u001b[H';
const CLEAR_LINE_END = '\u001b[K';
const CLEAR_BELOW = '\u001b[J';
const RESET_STYLE = '\u001b[0m';

/** Redraws at most this often, however fast messages come. */
export const MIN_REDRAW_MS = 250;
/** Relative times ("2s ago") stay true between messages. */
const TICK_MS = 1000;

/**
 * A full-screen view on a terminal, drawn from `render()`: redrawn when told
 * (at most every MIN_REDRAW_MS), every second, and when the window is resized;
 * close() gives the terminal back as it was.
 */
export class TerminalScreen {
  private timer: NodeJS.Timeout | null = null;
  private tick: NodeJS.Timeout | null = null;
  private lastDraw = 0;
  private opened = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly render: () => string,
  ) {}

  open(): void {
    this.opened = true;
    this.out.write(ENTER);
    this.out.on('resize', this.draw);
    // A crash past every handler must not leave the terminal without a cursor.
    process.once('exit', this.restore);
    this.tick = setInterval(this.draw, TICK_MS);
    this.draw();
  }

  /** Something changed: redraw now, or once the last redraw is MIN_REDRAW_MS old. */
  update(): void {
    if (!this.opened || this.timer) return;
    const wait = this.lastDraw + MIN_REDRAW_MS - Date.now();
    if (wait <= 0) this.draw();
    else this.timer = setTimeout(this.draw, wait);
  }

  close(): void {
    if (!this.opened) return;
    this.opened = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.tick) clearInterval(this.tick);
    this.out.off('resize', this.draw);
    process.off('exit', this.restore);
    this.restore();
  }

  private readonly draw = (): void => {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.opened) return;
    this.lastDraw = Date.now();
    const width = this.out.columns || 80;
    const height = this.out.rows || 24;
    let lines = this.render().split('\n');
    if (lines.length > height) {
      const hidden = lines.length - (height - 1);
      lines = [...lines.slice(0, height - 1), `… ${hidden} more line${hidden === 1 ? '' : 's'}: enlarge the window`];
    }
    this.out.write(HOME + lines.map((l) => fitWidth(l, width) + CLEAR_LINE_END).join('\n') + CLEAR_BELOW);
  };

  private readonly restore = (): void => {
    this.out.write(LEAVE);
  };
}

const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/y;

/** Cuts a line to `width` columns on screen, leaving colour codes whole and ending any colour it cut. */
export function fitWidth(line: string, width: number): string {
  let visible = 0;
  let out = '';
  let styled = false;
  for (let i = 0; i < line.length; ) {
    ANSI.lastIndex = i;
    const m = ANSI.exec(line);
    if (m) {
      out += m[0];
      styled = true;
      i += m[0].length;
      continue;
    }
    const ch = String.fromCodePoint(line.codePointAt(i)!);
    if (visible === width - 1 && hasVisibleAfter(line, i + ch.length)) {
      return `${out}…${styled ? RESET_STYLE : ''}`;
    }
    out += ch;
    visible += 1;
    i += ch.length;
  }
  return out;
}

function hasVisibleAfter(line: string, from: number): boolean {
  for (let i = from; i < line.length; ) {
    ANSI.lastIndex = i;
    const m = ANSI.exec(line);
    if (!m) return true;
    i += m[0].length;
  }
  return false;
}
