import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { JobIdentity } from './manifest.types';

/**
 * RFC 8785 canonical JSON: keys sorted recursively by UTF-16 code units, no
 * whitespace, numbers as `JSON.stringify` writes them.
 */
export function canonicalJson(value: unknown): string {
  const json = canonicalize(value);
  if (json === undefined) throw new TypeError('value has no JSON form');
  return json;
}

/**
 * A job's identity: the SHA-256 of exactly these fields, so that editing a
 * constraint, the priority, attempts or timeout keeps the id (SPEC §1).
 */
export function jobId(identity: JobIdentity): string {
  const json = canonicalJson({
    hyper: identity.hyper,
    mode: identity.mode,
    model: identity.model,
    seed: identity.seed,
    split_recipe: identity.split_recipe,
    train_hosts: [...identity.train_hosts].sort(),
  });
  return createHash('sha256').update(json, 'utf8').digest('hex');
}
