/** Limits both ends of the API know. */

/** `GET /v1/jobs` answers this many jobs when `limit` is not given… */
export const DEFAULT_PAGE_SIZE = 100;
/** …and never more than this. */
export const MAX_PAGE_SIZE = 1000;

/** The most models a worker's `allow_jobs` or `deny_jobs` may list. */
export const MAX_MODEL_LIST = 1000;
