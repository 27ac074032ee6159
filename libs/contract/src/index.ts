export * from './capability.types';
export * from './job.types';
export * from './limits';
export * from './live.types';
export { LOG_TAIL_MAX_BYTES, keepTail } from './log-tail';
export * from './manifest-issue';
export * from './patterns';
export * from './progress-point';
export * from './wire';
