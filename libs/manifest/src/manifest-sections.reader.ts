import { NAME_PATTERN, NAME_RULE } from '@cis490/contract';
import { didYouMean } from './did-you-mean';
import { HYPER_TYPES, HyperSchema } from './hyper.values';
import {
  checkKeys,
  describe,
  Issues,
  keyPath,
  readAfter,
  readAmount,
  readBool,
  readExitCodes,
  readHostname,
  readInt,
  readList,
  readName,
  readTable,
} from './manifest.fields';
import { HostSpec, HyperType, ManifestDefaults, ModelSchema } from './manifest.types';
import { TomlValue } from './toml.reader';

export const BUILTIN_DEFAULTS: Readonly<ManifestDefaults> = {
  max_attempts: 3,
  priority: 0,
  timeout_s: 0,
  gpus: null,
  // 75 = EX_TEMPFAIL, 137 = killed by SIGKILL (the kernel's OOM killer among others).
  retry_on_exit_codes: [75, 137],
  retry_backoff_s: 30,
  retry_backoff_max_s: 3600,
  name: null,
  after: [],
};

/** How each key `[defaults]` may set is read, in `[defaults]` and in a `[[jobs]]` or `[[sweeps]]` entry alike. */
export const DEFAULTABLE: {
  [K in keyof ManifestDefaults]: (value: TomlValue, path: string, issues: Issues) => ManifestDefaults[K] | undefined;
} = {
  max_attempts: (v, p, issues) => readInt(v, p, issues, 1),
  priority: (v, p, issues) => readInt(v, p, issues),
  timeout_s: (v, p, issues) => readInt(v, p, issues, 0),
  gpus: (v, p, issues) => readInt(v, p, issues, 0),
  retry_on_exit_codes: readExitCodes,
  retry_backoff_s: (v, p, issues) => readInt(v, p, issues, 0),
  retry_backoff_max_s: (v, p, issues) => readInt(v, p, issues, 0),
  name: (v, p, issues) => readName(v, p, issues, 'job'),
  after: readAfter,
};

/** The keys `[defaults]` takes. */
export const DEFAULTS_KEYS = Object.keys(DEFAULTABLE) as (keyof ManifestDefaults)[];

/** `[defaults]`; a bad value is reported and the built-in default used so later checks go on. */
export function readDefaults(value: TomlValue | undefined, issues: Issues): ManifestDefaults {
  const defaults: ManifestDefaults = { ...BUILTIN_DEFAULTS };
  if (value === undefined) return defaults;
  const table = readTable(value, 'defaults', issues);
  if (!table) return defaults;
  checkKeys(table, DEFAULTS_KEYS, 'defaults', issues);
  const read = <K extends keyof ManifestDefaults>(key: K) => {
    if (table[key] !== undefined) defaults[key] = DEFAULTABLE[key](table[key], `defaults.${key}`, issues) ?? defaults[key];
  };
  for (const key of DEFAULTS_KEYS) read(key);
  return defaults;
}

/**
 * `[models.X]`, keyed by model name. A schema whose own entries are bad still
 * lists its keys, so jobs are not also flooded with "unknown key" errors.
 */
export function readModels(value: TomlValue | undefined, issues: Issues): Map<string, HyperSchema> {
  const schemas = new Map<string, HyperSchema>();
  if (value === undefined) return schemas;
  const table = readTable(value, 'models', issues);
  if (!table) return schemas;
  for (const [model, entry] of Object.entries(table)) {
    const path = keyPath('models', model);
    if (!NAME_PATTERN.test(model)) issues.add(path, `invalid model name ${JSON.stringify(model)}: ${NAME_RULE}`);
    const body = readTable(entry, path, issues);
    if (!body) continue;
    checkKeys(body, ['hyper'], path, issues);
    if (body.hyper === undefined) {
      issues.add(keyPath(path, 'hyper'), 'required: a table of hyper-parameter types, e.g. hyper = { lr = "float" }');
      continue;
    }
    const hyperPath = keyPath(path, 'hyper');
    const hyper = readTable(body.hyper, hyperPath, issues);
    if (!hyper) continue;
    const types = new Map<string, HyperType | undefined>();
    for (const [key, typeName] of Object.entries(hyper)) {
      const p = keyPath(hyperPath, key);
      if (typeof typeName === 'string' && (HYPER_TYPES as readonly string[]).includes(typeName)) {
        types.set(key, typeName as HyperType);
        continue;
      }
      const got = typeof typeName === 'string' ? `"${typeName}"${didYouMean(typeName, HYPER_TYPES)}` : describe(typeName);
      issues.add(p, `unknown type ${got}: use one of ${HYPER_TYPES.map((t) => `"${t}"`).join(', ')}`);
      types.set(key, undefined);
    }
    schemas.set(model, { model, types });
  }
  return schemas;
}

/** The schemas as the Manifest exposes them (types only where valid). */
export function modelRecord(schemas: Map<string, HyperSchema>): Record<string, ModelSchema> {
  const out: Record<string, ModelSchema> = Object.create(null);
  for (const [model, schema] of schemas) {
    const hyper: Record<string, HyperType> = {};
    for (const [key, type] of schema.types) if (type !== undefined) hyper[key] = type;
    out[model] = { hyper };
  }
  return out;
}

const HOST_KEYS = ['cuda', 'vram_gib', 'ram_gib', 'cores', 'allow_jobs', 'deny_jobs'] as const;

/** `[hosts.<hostname>]`; only declared fields are set, since an absent cap means no cap. */
export function readHosts(value: TomlValue | undefined, issues: Issues): HostSpec[] {
  const hosts: HostSpec[] = [];
  if (value === undefined) return hosts;
  const table = readTable(value, 'hosts', issues);
  if (!table) return hosts;
  for (const [hostname, entry] of Object.entries(table)) {
    const path = keyPath('hosts', hostname);
    const before = issues.count;
    readHostname(hostname, path, issues);
    const body = readTable(entry, path, issues);
    if (!body) continue;
    checkKeys(body, HOST_KEYS, path, issues);
    const host: HostSpec = { hostname };
    const at = (key: string) => keyPath(path, key);
    if (body.cuda !== undefined) host.cuda = readBool(body.cuda, at('cuda'), issues);
    for (const key of ['vram_gib', 'ram_gib', 'cores'] as const) {
      if (body[key] !== undefined) host[key] = readAmount(body[key], at(key), issues);
    }
    for (const key of ['allow_jobs', 'deny_jobs'] as const) {
      if (body[key] !== undefined) {
        host[key] = readList(body[key], at(key), issues, (v, p, i) => readName(v, p, i, 'model'));
      }
    }
    if (issues.count === before) hosts.push(host);
  }
  return hosts;
}
