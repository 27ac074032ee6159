import { effectiveConstraints } from './eligibility';
import { DEFAULTABLE, DEFAULTS_KEYS } from './manifest-sections.reader';
import { HyperAxis, HyperSchema, readAxisValues, readHyper, readHyperAxes } from './hyper.values';
import {
  checkKeys,
  describe,
  Issues,
  keyPath,
  readAmount,
  readBool,
  readHostname,
  readInt,
  readList,
  readName,
  readString,
  readTable,
} from './manifest.fields';
import { JobConstraints, JobScheduling, ManifestDefaults } from './manifest.types';
import { TomlTable, TomlValue } from './toml.reader';

/** The keys of a `[[jobs]]` entry; a `[[sweeps]]` entry takes the same ones. */
export const ENTRY_KEYS = [
  'model',
  'mode',
  'hyper',
  'split_recipe',
  'train_hosts',
  'seed',
  'require_cuda',
  'prefer_cuda',
  'min_vram_gib',
  'min_ram_gib',
  'allowed_hosts',
  // An entry may set anything [defaults] sets, for itself.
  ...DEFAULTS_KEYS,
];

/** What every job of an entry shares: all but mode, seed and hyper. */
export interface EntryCommon {
  /** `jobs[3]` or `sweeps[0]`. */
  path: string;
  model: string;
  split_recipe: string;
  /** Sorted, as the identity uses them. */
  train_hosts: string[];
  constraints: JobConstraints;
  priority: number;
  max_attempts: number;
  timeout_s: number;
  scheduling: JobScheduling;
  /** Where `name` and `after` were written: the entry's own key, or `[defaults]`'s. */
  namePath: string;
  afterPath: string;
}

export interface JobEntry extends EntryCommon {
  mode: string;
  seed: number;
  hyper: Record<string, unknown>;
}

export interface SweepEntry extends EntryCommon {
  modes: string[];
  seeds: number[];
  /** In manifest key order. */
  axes: HyperAxis[];
}

interface EntryContext {
  defaults: ManifestDefaults;
  schemas: Map<string, HyperSchema>;
}

/** Reads `table[key]` when present, else the default; undefined after reporting a bad value. */
function field<T>(
  table: TomlTable,
  key: string,
  path: string,
  read: (value: TomlValue, path: string) => T | undefined,
  fallback: T,
): T | undefined {
  const value = table[key];
  return value === undefined ? fallback : read(value, keyPath(path, key));
}

function required(table: TomlTable, key: string, path: string, issues: Issues): boolean {
  if (table[key] !== undefined) return true;
  issues.add(keyPath(path, key), 'required');
  return false;
}

function readCommon(table: TomlTable, path: string, issues: Issues, ctx: EntryContext): EntryCommon | undefined {
  const before = issues.count;
  checkKeys(table, ENTRY_KEYS, path, issues);
  const model = required(table, 'model', path, issues)
    ? readName(table.model, keyPath(path, 'model'), issues, 'model')
    : undefined;
  const hostList = (v: TomlValue, p: string, unique = false) => readList(v, p, issues, readHostname, unique);
  const split_recipe = field(table, 'split_recipe', path, (v, p) => readString(v, p, issues), 'default');
  const train_hosts = field(table, 'train_hosts', path, (v, p) => hostList(v, p, true), []);
  const declaredCuda = field(table, 'require_cuda', path, (v, p) => readBool(v, p, issues), false);
  const prefer_cuda = field(table, 'prefer_cuda', path, (v, p) => readBool(v, p, issues), false);
  const min_vram_gib = field(table, 'min_vram_gib', path, (v, p) => readAmount(v, p, issues), 0);
  const min_ram_gib = field(table, 'min_ram_gib', path, (v, p) => readAmount(v, p, issues), 0);
  const allowed_hosts = field(table, 'allowed_hosts', path, (v, p) => hostList(v, p), []);
  // The keys [defaults] may set: read by the same rules, falling back to [defaults].
  const defaultable = <K extends keyof ManifestDefaults>(key: K) =>
    field<ManifestDefaults[K]>(table, key, path, (v, p) => DEFAULTABLE[key](v, p, issues), ctx.defaults[key]);
  const priority = defaultable('priority');
  const max_attempts = defaultable('max_attempts');
  const timeout_s = defaultable('timeout_s');
  const gpus = defaultable('gpus');
  const exitCodes = defaultable('retry_on_exit_codes');
  const backoff = defaultable('retry_backoff_s');
  const backoffMax = defaultable('retry_backoff_max_s');
  const name = defaultable('name');
  const after = defaultable('after');
  if (issues.count !== before) return undefined;
  return {
    path,
    model: model!,
    split_recipe: split_recipe!,
    train_hosts: [...train_hosts!].sort(),
    constraints: effectiveConstraints({
      require_cuda: declaredCuda!,
      prefer_cuda: prefer_cuda!,
      min_vram_gib: min_vram_gib!,
      min_ram_gib: min_ram_gib!,
      allowed_hosts: allowed_hosts!,
      gpus: gpus as number | null,
    }),
    priority: priority!,
    max_attempts: max_attempts!,
    timeout_s: timeout_s!,
    scheduling: {
      name: name as string | null,
      after: after!,
      retry_on_exit_codes: exitCodes!,
      retry_backoff_s: backoff!,
      retry_backoff_max_s: backoffMax!,
    },
    namePath: table.name !== undefined ? keyPath(path, 'name') : 'defaults.name',
    afterPath: table.after !== undefined ? keyPath(path, 'after') : 'defaults.after',
  };
}

/** The hyper schema of the entry's model, when the model is valid and declares one. */
function schemaOf(table: TomlTable, ctx: EntryContext): HyperSchema | undefined {
  return typeof table.model === 'string' ? ctx.schemas.get(table.model) : undefined;
}

/**
 * An entry of either kind: the keys both share, then the kind's own read by
 * `readOwn`, all reported at once; undefined once its problems are reported.
 */
function readEntry<Own>(
  value: TomlValue,
  path: string,
  issues: Issues,
  ctx: EntryContext,
  readOwn: (table: TomlTable) => Own,
): (EntryCommon & Own) | undefined {
  const table = readTable(value, path, issues);
  if (!table) return undefined;
  const before = issues.count;
  const common = readCommon(table, path, issues, ctx);
  const own = readOwn(table);
  if (issues.count !== before || !common) return undefined;
  return { ...common, ...own };
}

/** One `[[jobs]]` entry; undefined once its problems are reported. */
export function readJob(value: TomlValue, path: string, issues: Issues, ctx: EntryContext): JobEntry | undefined {
  return readEntry(value, path, issues, ctx, (table) => {
    const mode = required(table, 'mode', path, issues)
      ? readName(table.mode, keyPath(path, 'mode'), issues, 'mode')
      : undefined;
    const seed = field(table, 'seed', path, (v, p) => readInt(v, p, issues, 0), 0);
    const hyper = field(table, 'hyper', path, (v, p) => readHyper(v, p, issues, schemaOf(table, ctx)), {});
    // Used only when no problem was reported: readEntry drops the entry otherwise.
    return { mode: mode!, seed: seed!, hyper: hyper! };
  });
}

/** A sweep's `mode` or `seed`: one value, or a non-empty list of distinct values. */
function readAxis<T>(
  value: TomlValue,
  path: string,
  issues: Issues,
  readOne: (value: TomlValue, path: string) => T | undefined,
): T[] | undefined {
  if (!Array.isArray(value)) {
    const one = readOne(value, path);
    return one === undefined ? undefined : [one];
  }
  if (value.length === 0) {
    issues.add(path, 'empty list: the sweep would produce no jobs');
    return undefined;
  }
  const before = issues.count;
  const values = readAxisValues(value, path, issues, (item, p) => readOne(item, p) !== undefined);
  return issues.count === before ? (values as T[]) : undefined;
}

/** One `[[sweeps]]` entry, not yet expanded. */
export function readSweep(value: TomlValue, path: string, issues: Issues, ctx: EntryContext): SweepEntry | undefined {
  return readEntry(value, path, issues, ctx, (table) => {
    const modes = required(table, 'mode', path, issues)
      ? readAxis(table.mode, keyPath(path, 'mode'), issues, (v, p) => readName(v, p, issues, 'mode'))
      : undefined;
    const seeds = field(table, 'seed', path, (v, p) => readAxis(v, p, issues, (s, sp) => readInt(s, sp, issues, 0)), [0]);
    const axes = field(table, 'hyper', path, (v, p) => readHyperAxes(v, p, issues, schemaOf(table, ctx)), []);
    return { modes: modes!, seeds: seeds!, axes: axes! };
  });
}

/** `[[jobs]]` or `[[sweeps]]` as a list of entries; anything else is reported. */
export function entryList(value: TomlValue | undefined, key: string, issues: Issues): TomlValue[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  issues.add(key, `must be an array of tables ([[${key}]]), got ${describe(value)}`);
  return [];
}
