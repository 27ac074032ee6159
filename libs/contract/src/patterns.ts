/**
 * The names every side checks the same way: the receiver's DTOs, the
 * manifest parser, the worker's configuration and the CLI's options.
 */

/** Model and mode names (SPEC §1). */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const NAME_RULE = 'use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit';

/** A worker's id (SPEC §4 `CIS490_WORKER_ID`; the hostname by default). */
export const WORKER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/;
export const WORKER_ID_RULE = '1-128 letters, digits or ._@:- starting with a letter or digit';

/** A SHA-256 as clients may send it (either case)… */
export const SHA256_PATTERN = /^[0-9a-fA-F]{64}$/;
/** …and as it is stored and answered. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A full job id: the SHA-256 of the job's canonical identity (SPEC §1). */
export const JOB_ID_PATTERN = SHA256_HEX;

/** The shortest prefix that names a job (SPEC §3). */
export const MIN_ID_PREFIX = 8;
