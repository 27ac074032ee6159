/** Limits both ends of the API know. */

/** `GET /v1/jobs` answers this many jobs when `limit` is not given… */
export const DEFAULT_PAGE_SIZE = 100;
/** …and never more than this. */
export const MAX_PAGE_SIZE = 1000;

/** The most models a worker's `allow_jobs` or `deny_jobs` may list. */
export const MAX_MODEL_LIST = 1000;

/** A progress line longer than this (bytes) is skipped and counted, like a malformed one (SPEC §9). */
export const MAX_PROGRESS_LINE_BYTES = 4096;
/** Points per `POST /v1/job/{id}/progress`. */
export const MAX_PROGRESS_BATCH = 1000;
/** Workers forward logs and progress at most this often while a trainer runs (SPEC §9). */
export const FORWARD_INTERVAL_MS = 2000;
/** Receiver defaults for `CIS490_MAX_LOG_BYTES` and `CIS490_MAX_PROGRESS_POINTS`. */
export const DEFAULT_MAX_LOG_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_PROGRESS_POINTS = 10_000;
/** `GET /v1/results` answers this many rows when `limit` is not given, and never more than MAX_PAGE_SIZE. */
export const DEFAULT_RESULTS_LIMIT = 100;

/** The longest a claim may be held waiting for a job (`POST /v1/job/claim?wait_s=`, SPEC §10). */
export const MAX_CLAIM_WAIT_S = 60;
/** GPUs one claim may offer (`free_gpus`), and jobs one worker may run at once (`slots`, SPEC §10). */
export const MAX_GPUS = 64;
export const MAX_SLOTS = 256;
/**
 * Bundles one job may hold that did not complete it (its uploads since it last
 * completed, across attempts): a worker cannot fill the models dir by
 * uploading without end to a job it then fails.
 */
export const MAX_BUNDLES_PER_JOB = 16;
