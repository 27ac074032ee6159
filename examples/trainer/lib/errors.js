'use strict';

/** A problem with how the trainer was invoked or configured: exit 2, one line on stderr. */
class UsageError extends Error {}

/** Training itself went wrong (e.g. the loss diverged): exit 1. */
class TrainError extends Error {}

module.exports = { UsageError, TrainError };
