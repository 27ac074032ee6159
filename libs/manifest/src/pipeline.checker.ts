import { didYouMean } from './did-you-mean';
import { EntryCommon } from './manifest-entries.reader';
import { indexPath, Issues } from './manifest.fields';
import { ManifestDefaults } from './manifest.types';
import { isTable, TomlValue } from './toml.reader';

/**
 * The names an entry may be waited for by: every `name` written, read raw so
 * that an entry with other errors does not also make its dependents report an
 * unknown name.
 */
function namesWritten(rawEntries: TomlValue[], defaults: ManifestDefaults): Set<string> {
  const names = new Set<string>();
  if (defaults.name !== null) names.add(defaults.name);
  for (const entry of rawEntries) if (isTable(entry) && typeof entry.name === 'string') names.add(entry.name);
  return names;
}

const inherited = (entry: EntryCommon, key: 'name' | 'after') =>
  (key === 'name' ? entry.namePath : entry.afterPath).startsWith('defaults.');

/** Two entries with one name: the later one is reported where its name is written. */
function checkUnique(entries: EntryCommon[], issues: Issues): void {
  const first = new Map<string, EntryCommon>();
  for (const entry of entries) {
    const name = entry.scheduling.name;
    if (name === null) continue;
    const earlier = first.get(name);
    if (earlier === undefined) {
      first.set(name, entry);
      continue;
    }
    const where = inherited(earlier, 'name') ? `${earlier.path} (from [defaults])` : earlier.namePath;
    if (inherited(entry, 'name')) {
      issues.add(entry.path, `takes name ${JSON.stringify(name)} from [defaults], as ${where} does: a name must be unique`);
    } else {
      issues.add(entry.namePath, `duplicate name ${JSON.stringify(name)}: ${where} has it too`);
    }
  }
}

/** Names in `after` that no entry has, each reported once where it is written. */
function checkKnown(entries: EntryCommon[], defaults: ManifestDefaults, known: Set<string>, issues: Issues): void {
  const report = (after: string[], path: string) =>
    after.forEach((name, i) => {
      if (!known.has(name)) issues.add(indexPath(path, i), `no job or sweep is named ${JSON.stringify(name)}${didYouMean(name, known)}`);
    });
  report(defaults.after, 'defaults.after');
  for (const entry of entries) if (!inherited(entry, 'after')) report(entry.scheduling.after, entry.afterPath);
}

/** An entry waiting for itself. */
function checkSelf(entries: EntryCommon[], issues: Issues): void {
  for (const entry of entries) {
    const { name, after } = entry.scheduling;
    const i = name === null ? -1 : after.indexOf(name);
    if (i < 0) continue;
    const whose = inherited(entry, 'after') ? `, which ${entry.path} takes from [defaults]` : '';
    issues.add(indexPath(entry.afterPath, i), `names the entry itself${whose}: a job cannot wait for itself`);
  }
}

/**
 * Cycles among named entries (`a` after `b` after `a`), each reported at the
 * `after` item that closes it, with the names in the order they wait.
 */
function checkCycles(entries: EntryCommon[], issues: Issues): void {
  const byName = new Map<string, EntryCommon>();
  for (const entry of entries) {
    const name = entry.scheduling.name;
    if (name !== null && !byName.has(name)) byName.set(name, entry);
  }
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 'open');
    stack.push(name);
    const entry = byName.get(name)!;
    entry.scheduling.after.forEach((next, i) => {
      if (next === name || !byName.has(next)) return; // reported as self-reference or unknown
      if (state.get(next) === 'open') {
        // The stack runs next … name; the cycle read from here is name → next → … → name.
        const cycle = [name, ...stack.slice(stack.indexOf(next))];
        issues.add(indexPath(entry.afterPath, i), `cycle: ${cycle.join(' → ')} (each waits for the next)`);
      } else if (!state.has(next)) {
        visit(next);
      }
    });
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of byName.keys()) if (!state.has(name)) visit(name);
}

/**
 * The pipeline rules of SPEC §10: names unique, every `after` name known, and
 * no job waiting, directly or not, for itself.
 */
export function checkPipelines(entries: EntryCommon[], rawEntries: TomlValue[], defaults: ManifestDefaults, issues: Issues): void {
  checkUnique(entries, issues);
  checkKnown(entries, defaults, namesWritten(rawEntries, defaults), issues);
  checkSelf(entries, issues);
  checkCycles(entries, issues);
}
