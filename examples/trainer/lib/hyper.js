'use strict';
const { UsageError } = require('./errors');

/*
 * Hyper-parameter schemas. Each key says what it accepts in words, so a bad
 * value is reported the way an operator would fix it in the manifest.
 */

const int = (min, max = Infinity) => ({
  describe: max === Infinity ? `an int >= ${min}` : `an int from ${min} to ${max}`,
  valid: (v) => Number.isInteger(v) && v >= min && v <= max,
});

const positiveFloat = () => ({
  describe: 'a number > 0',
  valid: (v) => typeof v === 'number' && Number.isFinite(v) && v > 0,
});

const nonNegativeFloat = () => ({
  describe: 'a number >= 0',
  valid: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0,
});

const intList = (minLength, maxLength, min) => ({
  describe: `a list of ${minLength} to ${maxLength} ints >= ${min}`,
  valid: (v) =>
    Array.isArray(v) &&
    v.length >= minLength &&
    v.length <= maxLength &&
    v.every((x) => Number.isInteger(x) && x >= min),
});

const oneOf = (...choices) => ({
  describe: `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`,
  valid: (v) => choices.includes(v),
});

const bool = () => ({ describe: 'true or false', valid: (v) => typeof v === 'boolean' });

const string = () => ({ describe: 'a string', valid: (v) => typeof v === 'string' });

/**
 * Checks `hyper` against `schema` ({key: {describe, valid, default}}) and
 * returns it with defaults filled in, keys in schema order so that equal
 * settings always serialize the same way.
 */
function resolveHyper(model, schema, hyper) {
  const known = Object.keys(schema);
  for (const key of Object.keys(hyper)) {
    if (!known.includes(key)) {
      throw new UsageError(
        `unknown hyper key ${JSON.stringify(key)} for model ${model} (known: ${known.join(', ')})`,
      );
    }
  }
  const resolved = {};
  for (const key of known) {
    const value = hyper[key];
    if (value === undefined) {
      if (schema[key].default !== undefined) resolved[key] = schema[key].default;
      continue;
    }
    if (!schema[key].valid(value)) {
      throw new UsageError(
        `hyper ${JSON.stringify(key)} for model ${model} must be ${schema[key].describe} (got ${JSON.stringify(value)})`,
      );
    }
    resolved[key] = value;
  }
  return resolved;
}

module.exports = { resolveHyper, int, positiveFloat, nonNegativeFloat, intList, oneOf, bool, string };
