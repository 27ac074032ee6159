export * from './manifest.types';
export { effectiveConstraints, effectiveWorker, gpusWith, ineligibility, offeredGpus } from './eligibility';
export type { DeclaredConstraints, EffectiveWorker, Resources, WorkerOffer } from './eligibility';
export { loadManifest, parseManifest, readManifestText, MAX_MANIFEST_JOBS } from './manifest.parser';
export { canonicalJson, jobId } from './job-id';
export { ManifestModule, type ManifestModuleAsyncOptions } from './manifest.module';
export { MANIFEST_OPTIONS, ManifestService, type ManifestOptions, type ManifestStatus } from './manifest.service';
export { BUILTIN_DEFAULTS } from './manifest-sections.reader';
