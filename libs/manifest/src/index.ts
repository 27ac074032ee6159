export * from './manifest.types';
export { effectiveWorker, ineligibility } from './eligibility';
export type { EffectiveWorker, Resources, WorkerOffer } from './eligibility';
export { loadManifest, parseManifest, readManifestText, MAX_MANIFEST_JOBS } from './manifest.parser';
export { canonicalJson, jobId } from './job-id';
export { NAME_PATTERN } from './manifest.fields';
