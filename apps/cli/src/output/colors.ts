/** ANSI styling that turns itself off where colour does not belong. */
export interface Palette {
  enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  blue(s: string): string;
}

const style =
  (enabled: boolean, open: number, close: number) =>
  (s: string): string =>
    enabled && s ? `\u001b[${open}m${s}\u001b[${close}m` : s;

export function palette(enabled: boolean): Palette {
  return {
    enabled,
    bold: style(enabled, 1, 22),
    dim: style(enabled, 2, 22),
    red: style(enabled, 31, 39),
    green: style(enabled, 32, 39),
    yellow: style(enabled, 33, 39),
    cyan: style(enabled, 36, 39),
    blue: style(enabled, 34, 39),
  };
}

/** Colour only on a terminal, and never when NO_COLOR is set to anything (no-color.org). */
export function paletteFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Palette {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return palette(Boolean(stream.isTTY) && !noColor && env.TERM !== 'dumb');
}

export const PLAIN: Palette = palette(false);
