export * from './capability.detector';
export * from './capability.overrides';
export { parseIndexedNvidiaSmi, parseNvidiaSmi, parseNvidiaSmiMemoryUsed, mibToGib } from './nvidia-smi.parser';
export { runProbe, type ProbeOptions } from './probe.runner';
export { CapabilityModule } from './capability.module';
