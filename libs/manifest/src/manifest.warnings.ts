import { didYouMean } from './did-you-mean';
import { coverageProblem, declaredHostsAtBest } from './host-coverage';
import { EntryCommon } from './manifest-entries.reader';
import { indexPath, keyPath } from './manifest.fields';
import { HostSpec, ManifestIssue } from './manifest.types';
import { isTable, TomlValue } from './toml.reader';

/** Each entry no declared host could ever run; one per entry, as a sweep's points share model and constraints. */
export function coverageWarnings(entries: EntryCommon[], hosts: HostSpec[]): ManifestIssue[] {
  const warnings: ManifestIssue[] = [];
  const workers = declaredHostsAtBest(hosts);
  for (const entry of entries) {
    const problem = coverageProblem({ model: entry.model, ...entry.constraints }, workers);
    if (problem !== null) warnings.push({ path: entry.path, message: problem });
  }
  return warnings;
}

/** An entry that needs CUDA yet holds no GPU: its trainer would see none (CUDA_VISIBLE_DEVICES is empty). */
export function gpuWarnings(entries: EntryCommon[]): ManifestIssue[] {
  return entries
    .filter((entry) => entry.constraints.require_cuda && entry.constraints.gpus === 0)
    .map((entry) => ({
      path: keyPath(entry.path, 'gpus'),
      message: 'gpus = 0 on a job that needs CUDA: its trainer will see no GPU',
    }));
}

/** The models entries name, read raw so that an entry with errors still counts as a use. */
function modelsNamed(entries: TomlValue[]): Set<string> {
  const used = new Set<string>();
  for (const entry of entries) if (isTable(entry) && typeof entry.model === 'string') used.add(entry.model);
  return used;
}

/** A schema or host policy naming a model no job uses is most likely a typo for one that is. */
export function unusedModelWarnings(
  entries: TomlValue[],
  schemaModels: Iterable<string>,
  hosts: HostSpec[],
): ManifestIssue[] {
  const used = modelsNamed(entries);
  const warnings: ManifestIssue[] = [];
  const unused = (model: string) => `no job uses model ${model}${didYouMean(model, used)}`;
  for (const model of schemaModels) {
    if (!used.has(model)) warnings.push({ path: keyPath('models', model), message: unused(model) });
  }
  for (const host of hosts) {
    for (const key of ['allow_jobs', 'deny_jobs'] as const) {
      host[key]?.forEach((model, i) => {
        if (!used.has(model)) {
          warnings.push({ path: indexPath(keyPath(keyPath('hosts', host.hostname), key), i), message: unused(model) });
        }
      });
    }
  }
  return warnings;
}
