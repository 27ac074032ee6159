import { type ManifestIssue, NAME_PATTERN, NAME_RULE } from '@cis490/contract';
import { didYouMean } from './did-you-mean';
import { isTable, kindOf, TomlTable, TomlValue } from './toml.reader';

/** Collects every problem so that all of them are reported at once. */
export class Issues {
  readonly list: ManifestIssue[] = [];

  add(path: string, message: string): void {
    this.list.push({ path, message });
  }

  get count(): number {
    return this.list.length;
  }
}

/** `jobs[0]` + `hyper` → `jobs[0].hyper`; keys that are not bare words are quoted. */
export function keyPath(parent: string, key: string): string {
  const segment = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
  return parent === '' ? segment : `${parent}.${segment}`;
}

export const indexPath = (parent: string, index: number): string => `${parent}[${index}]`;

/** A value named for a message: `integer 3`, `string "x"`, `a list`. */
export function describe(value: TomlValue): string {
  switch (kindOf(value)) {
    case 'int':
      return `integer ${String(value)}`;
    case 'float':
      return `float ${String(value)}`;
    case 'bool':
      return `boolean ${String(value)}`;
    case 'string': {
      const s = value as string;
      return `string ${JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s)}`;
    }
    case 'array':
      return 'a list';
    case 'table':
      return 'a table';
    case 'datetime':
      return 'a date/time';
  }
}

/** Reports each key of `table` that is not in `allowed`, suggesting the near miss. */
export function checkKeys(table: TomlTable, allowed: readonly string[], path: string, issues: Issues): void {
  for (const key of Object.keys(table)) {
    if (!allowed.includes(key)) issues.add(keyPath(path, key), `unknown key${didYouMean(key, allowed)}`);
  }
}

export function readTable(value: TomlValue, path: string, issues: Issues): TomlTable | undefined {
  if (isTable(value)) return value;
  issues.add(path, `must be a table, got ${describe(value)}`);
  return undefined;
}

/** A TOML integer as a JS number; integers beyond 2^53 cannot round-trip through JSON. */
export function toSafeInteger(value: bigint, path: string, issues: Issues): number | undefined {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    issues.add(path, `integer ${value} is out of range (at most ±${Number.MAX_SAFE_INTEGER})`);
    return undefined;
  }
  return Number(value);
}

export function readInt(value: TomlValue, path: string, issues: Issues, min?: number, max?: number): number | undefined {
  if (typeof value !== 'bigint') {
    issues.add(path, `must be an integer, got ${describe(value)}`);
    return undefined;
  }
  const n = toSafeInteger(value, path, issues);
  if (n === undefined) return undefined;
  if (min !== undefined && n < min) {
    issues.add(path, `must be >= ${min}, got ${n}`);
    return undefined;
  }
  if (max !== undefined && n > max) {
    issues.add(path, `must be <= ${max}, got ${n}`);
    return undefined;
  }
  return n;
}

/** A non-negative, finite number; TOML integers and floats both count. */
export function readAmount(value: TomlValue, path: string, issues: Issues): number | undefined {
  if (typeof value === 'bigint') return readInt(value, path, issues, 0);
  if (typeof value !== 'number') {
    issues.add(path, `must be a number, got ${describe(value)}`);
    return undefined;
  }
  if (!Number.isFinite(value)) {
    issues.add(path, `must be a finite number, got ${value}`);
    return undefined;
  }
  if (value < 0) {
    issues.add(path, `must be >= 0, got ${value}`);
    return undefined;
  }
  return value === 0 ? 0 : value; // -0.0 is 0
}

export function readBool(value: TomlValue, path: string, issues: Issues): boolean | undefined {
  if (typeof value === 'boolean') return value;
  issues.add(path, `must be true or false, got ${describe(value)}`);
  return undefined;
}

export function readString(value: TomlValue, path: string, issues: Issues): string | undefined {
  if (typeof value !== 'string') {
    issues.add(path, `must be a string, got ${describe(value)}`);
    return undefined;
  }
  if (value === '') {
    issues.add(path, 'must not be empty');
    return undefined;
  }
  return value;
}

/** A model, mode or job name, checked against NAME_PATTERN. */
export function readName(value: TomlValue, path: string, issues: Issues, what: string): string | undefined {
  if (typeof value !== 'string') {
    issues.add(path, `must be a ${what} name (a string), got ${describe(value)}`);
    return undefined;
  }
  if (!NAME_PATTERN.test(value)) {
    issues.add(path, `invalid ${what} name ${JSON.stringify(value)}: ${NAME_RULE}`);
    return undefined;
  }
  return value;
}


export function readHostname(value: TomlValue, path: string, issues: Issues): string | undefined {
  if (typeof value !== 'string' || value === '') {
    issues.add(path, `must be a non-empty hostname string, got ${describe(value)}`);
    return undefined;
  }
  if (/\s/.test(value)) {
    issues.add(path, `invalid hostname ${JSON.stringify(value)}: it contains whitespace`);
    return undefined;
  }
  return value;
}

type ItemReader = (value: TomlValue, path: string, issues: Issues) => string | undefined;

/**
 * A list read item by item; every bad item is reported. Duplicates are an
 * error only where `unique` says so (they would change a job's identity).
 */
export function readList(
  value: TomlValue,
  path: string,
  issues: Issues,
  item: ItemReader,
  unique = false,
): string[] | undefined {
  if (!Array.isArray(value)) {
    issues.add(path, `must be a list, got ${describe(value)}`);
    return undefined;
  }
  const before = issues.count;
  const seen = new Map<string, number>();
  const out: string[] = [];
  value.forEach((v, i) => {
    const s = item(v, indexPath(path, i), issues);
    if (s === undefined) return;
    const first = seen.get(s);
    if (first === undefined) {
      seen.set(s, i);
      out.push(s);
    } else if (unique) {
      issues.add(indexPath(path, i), `duplicate of ${indexPath(path, first)} (${JSON.stringify(s)})`);
    }
  });
  return issues.count === before ? out : undefined;
}

/** A trainer's exit code: what a process may exit with, 0–255. */
export const readExitCode = (value: TomlValue, path: string, issues: Issues): number | undefined =>
  readInt(value, path, issues, 0, 255);

/** A list of exit codes, each checked; a repeated code says nothing new and is dropped. */
export function readExitCodes(value: TomlValue, path: string, issues: Issues): number[] | undefined {
  if (!Array.isArray(value)) {
    issues.add(path, `must be a list of exit codes, got ${describe(value)}`);
    return undefined;
  }
  const before = issues.count;
  const codes = value.map((v, i) => readExitCode(v, indexPath(path, i), issues));
  return issues.count === before ? [...new Set(codes as number[])] : undefined;
}

/** `after`: names of jobs or sweeps, each once (so that every name keeps its index in errors). */
export function readAfter(value: TomlValue, path: string, issues: Issues): string[] | undefined {
  return readList(value, path, issues, (v, p, i) => readName(v, p, i, 'job'), true);
}
