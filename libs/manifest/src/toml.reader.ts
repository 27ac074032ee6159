import { parse } from '@ltd/j-toml';
import { ManifestIssue } from './manifest.types';

/**
 * A value as j-toml returns it with `bigint: true`: integers are BigInt (so
 * `1` and `1.0` stay distinguishable), tables are null-prototype objects,
 * dates are Date subclasses.
 */
export type TomlValue = bigint | number | string | boolean | Date | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

export type TomlKind = 'int' | 'float' | 'bool' | 'string' | 'array' | 'table' | 'datetime';

export function kindOf(value: TomlValue): TomlKind {
  switch (typeof value) {
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
  }
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'datetime';
  return 'table';
}

export function isTable(value: TomlValue | undefined): value is TomlTable {
  return value !== undefined && kindOf(value) === 'table';
}

export type TomlReadResult = { ok: true; root: TomlTable } | { ok: false; issue: ManifestIssue };

/**
 * Parses TOML 1.0. A syntax error becomes one issue with a 1-based line and
 * column; j-toml reports only the line, so the column is where the value
 * starts for errors about a value, else where the statement starts.
 */
export function readToml(source: string): TomlReadResult {
  // Editors on Windows save a BOM that j-toml refuses; TOML itself permits it.
  const text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  try {
    const root = parse(text, { joiner: '\n', bigint: true }) as unknown as TomlTable;
    return { ok: true, root };
  } catch (err) {
    return { ok: false, issue: syntaxIssue(err, text) };
  }
}

function syntaxIssue(err: unknown, text: string): ManifestIssue {
  const message = (err as { message?: unknown } | null)?.message;
  const raw = typeof message === 'string' ? message : String(err);
  const lines = text.split(/\r?\n/);
  const where = locate(raw, lines);
  // Rare errors about the whole text (a lone surrogate) carry no position.
  if (!where) return { path: '', message: `invalid TOML: ${raw}` };
  const lineText = lines[where.line - 1] ?? '';
  const aboutValue = /not close until|missing after|single line|integer|float|string|atom|unicode|date|time/i.test(
    where.reason,
  );
  const column = aboutValue ? valueColumn(lineText) : statementColumn(lineText);
  return { path: '', message: `invalid TOML: ${where.reason}`, line: where.line, column };
}

/**
 * j-toml ends its messages with `line N: <the source line>`; user text in the
 * message could contain a similar phrase, so take the match whose tail really
 * is source line N.
 */
function locate(message: string, lines: string[]): { line: number; reason: string } | null {
  const pattern = /line (\d+): /g;
  let fallback: { line: number; index: number } | null = null;
  for (let m = pattern.exec(message); m !== null; m = pattern.exec(message)) {
    const line = Number(m[1]);
    if (line < 1 || line > lines.length) continue;
    const candidate = { line, index: m.index };
    if (message.slice(m.index + m[0].length) === lines[line - 1]) {
      fallback = candidate;
      break;
    }
    fallback ??= candidate;
  }
  if (!fallback) return null;
  const reason = message
    .slice(0, fallback.index)
    .replace(/[\s,.]*(?:which\s+)?(?:is\s+found|was\s+found|started\s+from|broken|meet|but\s+missing|check)?\s*(?:at)?\s*$/i, '');
  return { line: fallback.line, reason: reason || message };
}

function statementColumn(line: string): number {
  const start = line.search(/\S/);
  return start < 0 ? 1 : start + 1;
}

function valueColumn(line: string): number {
  const eq = line.indexOf('=');
  if (eq < 0) return statementColumn(line);
  const rest = line.slice(eq + 1);
  const start = rest.search(/\S/);
  return eq + 2 + (start < 0 ? rest.length : start);
}
