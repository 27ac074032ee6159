import { JOB_STATUSES, JobStatus, MIN_ID_PREFIX, NAME_PATTERN } from '@cis490/contract';
import { UsageError } from './cli.errors';

/** Option values, checked before anything is sent, so that a typo is a usage error (exit 2). */

export function parseStatus(value: string): JobStatus {
  if ((JOB_STATUSES as readonly string[]).includes(value)) return value as JobStatus;
  throw new UsageError(`--status: "${value}" is not a job status (one of ${JOB_STATUSES.join(', ')})`);
}

export function parsePositiveInt(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`${flag}: "${value}" is not a whole number >= 1`);
  }
  return Number(value);
}

/** Model and mode names follow the manifest's pattern; anything else could never match. */
export function parseName(flag: string, value: string): string {
  if (!NAME_PATTERN.test(value)) throw new UsageError(`${flag}: "${value}" is not a valid name (${NAME_PATTERN.source})`);
  return value;
}

/** How `show`, `cancel` and `requeue` describe their argument. */
export const JOB_ID_ARGUMENT = { id: `a job ID, or a unique prefix of at least ${MIN_ID_PREFIX} characters` };
