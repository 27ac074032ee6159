import { didYouMean } from './did-you-mean';
import { canonicalJson } from './job-id';
import { describe, Issues, keyPath, indexPath, toSafeInteger, readTable } from './manifest.fields';
import { HyperType } from './manifest.types';
import { kindOf, TomlValue } from './toml.reader';

export const HYPER_TYPES: readonly HyperType[] = ['int', 'float', 'bool', 'string', 'array', 'table'];

/** A model's declared hyper schema, as the checks need it. */
export interface HyperSchema {
  model: string;
  /** Every declared key; undefined where the declared type name was invalid (not checked). */
  types: Map<string, HyperType | undefined>;
}

/** Assigns even the key `__proto__` as an own property: hyper keys are the operator's. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/**
 * A TOML value as plain JSON data (what the trainer receives and the job id
 * hashes): integers become numbers, tables plain objects. Dates and non-finite
 * floats have no JSON form and are refused.
 */
export function toJson(value: TomlValue, path: string, issues: Issues): unknown {
  switch (kindOf(value)) {
    case 'int':
      return toSafeInteger(value as bigint, path, issues);
    case 'float': {
      const n = value as number;
      if (Number.isFinite(n)) return n === 0 ? 0 : n;
      issues.add(path, `must be a finite number, got ${n}`);
      return undefined;
    }
    case 'bool':
    case 'string':
      return value;
    case 'datetime':
      issues.add(path, 'dates and times are not supported here; write it as a string');
      return undefined;
    case 'array':
      return (value as TomlValue[]).map((v, i) => toJson(v, indexPath(path, i), issues));
    case 'table': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, TomlValue>)) setOwn(out, k, toJson(v, keyPath(path, k), issues));
      return out;
    }
  }
}

function hasType(value: TomlValue, type: HyperType): boolean {
  const kind = kindOf(value);
  return kind === type || (type === 'float' && kind === 'int');
}

/** The declared type of `key`, or null after reporting that the schema does not know it. */
function declaredType(
  schema: HyperSchema,
  key: string,
  path: string,
  issues: Issues,
): HyperType | undefined | null {
  if (!schema.types.has(key)) {
    const known = [...schema.types.keys()];
    const hint = didYouMean(key, known) || (known.length ? ` (it accepts ${known.sort().join(', ')})` : ' (it accepts none)');
    issues.add(path, `unknown key for model ${schema.model}${hint}`);
    return null;
  }
  return schema.types.get(key);
}

function checkType(value: TomlValue, type: HyperType, schema: HyperSchema, path: string, issues: Issues, hint = ''): boolean {
  if (hasType(value, type)) return true;
  issues.add(path, `must be ${type} (per [models.${schema.model}].hyper), got ${describe(value)}${hint}`);
  return false;
}

/** A job's `hyper` table, checked against its model's schema when there is one. */
export function readHyper(
  value: TomlValue,
  path: string,
  issues: Issues,
  schema: HyperSchema | undefined,
): Record<string, unknown> | undefined {
  const table = readTable(value, path, issues);
  if (!table) return undefined;
  const before = issues.count;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(table)) {
    const p = keyPath(path, key);
    if (schema) {
      const type = declaredType(schema, key, p, issues);
      if (type === null || (type !== undefined && !checkType(v, type, schema, p, issues))) continue;
    }
    setOwn(out, key, toJson(v, p, issues));
  }
  return issues.count === before ? out : undefined;
}

/** One key of a sweep's `hyper`: a list is an axis, anything else a single fixed value. */
export interface HyperAxis {
  key: string;
  values: unknown[];
}

/**
 * A sweep's `hyper` table as axes in TOML key order; fixed values are axes of
 * one value. `layers = [[64, 32]]` is an axis of one list value, which is how
 * a list is fixed.
 */
export function readHyperAxes(
  value: TomlValue,
  path: string,
  issues: Issues,
  schema: HyperSchema | undefined,
): HyperAxis[] | undefined {
  const table = readTable(value, path, issues);
  if (!table) return undefined;
  const before = issues.count;
  const axes: HyperAxis[] = [];
  for (const [key, v] of Object.entries(table)) {
    const p = keyPath(path, key);
    const type = schema ? declaredType(schema, key, p, issues) : undefined;
    if (type === null) continue;
    if (!Array.isArray(v)) {
      if (schema && type && !checkType(v, type, schema, p, issues)) continue;
      axes.push({ key, values: [toJson(v, p, issues)] });
      continue;
    }
    if (v.length === 0) {
      issues.add(p, 'empty list: the sweep would produce no jobs (to fix an empty list value, write [[]])');
      continue;
    }
    const hint = type === 'array' ? ' (to fix a list value in a sweep, wrap it: [[...]])' : '';
    axes.push({ key, values: readAxisValues(v, p, issues, (item, ip) => !schema || !type || checkType(item, type, schema, ip, issues, hint)) });
  }
  return issues.count === before ? axes : undefined;
}

/** The values of one sweep axis, each checked, with repeats reported (they would repeat jobs). */
export function readAxisValues(
  list: TomlValue[],
  path: string,
  issues: Issues,
  check: (item: TomlValue, itemPath: string) => boolean,
): unknown[] {
  const seen = new Map<string, number>();
  const out: unknown[] = [];
  list.forEach((item, i) => {
    const ip = indexPath(path, i);
    if (!check(item, ip)) return;
    const json = toJson(item, ip, issues);
    const key = canonicalJson(json);
    const first = seen.get(key);
    if (first !== undefined) {
      issues.add(ip, `repeats ${indexPath(path, first)}: each value of a sweep axis must differ`);
      return;
    }
    seen.set(key, i);
    out.push(json);
  });
  return out;
}
