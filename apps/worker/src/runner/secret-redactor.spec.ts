import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDACTED, SecretRedactor } from './secret-redactor';

describe('SecretRedactor', () => {
  it('replaces every known secret, the longest first, and leaves short values alone', () => {
    const r = new SecretRedactor(['abc', 'op-token-1', 'op-token-12345', undefined]);
    expect(r.redact('a op-token-12345 b op-token-1 c abc')).toBe(`a ${REDACTED} b ${REDACTED} c abc`);
    expect(r.redactDeep({ message: 'op-token-1', values: { 'op-token-1': 1 }, step: 3 })).toEqual({
      message: REDACTED,
      values: { [REDACTED]: 1 },
      step: 3,
    });
  });

  it('finds a secret split across the pieces of a stream, and holds back only what may start one', () => {
    const stream = new SecretRedactor(['wk-s3cret-99']).stream();
    const out = [stream.write('x wk-s3'), stream.write('cret-99 y wk-'), stream.write('not it'), stream.end()];
    expect(out).toEqual(['x ', `${REDACTED} y `, 'wk-not it', '']);
    expect(stream.write('plain text')).toBe('plain text');
  });

  it("takes a worker's secrets from its token, the environment and its TLS key", () => {
    const dir = mkdtempSync(join(tmpdir(), 'cis490-redact-'));
    try {
      const keyLine = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7';
      writeFileSync(join(dir, 'client.key'), `-----BEGIN PRIVATE KEY-----\n${keyLine}\nAb==\n-----END PRIVATE KEY-----\n`);
      const r = SecretRedactor.forWorker('wk-token-1', {
        CIS490_OPERATOR_TOKEN: 'op-token-1',
        CIS490_DATABASE_URL: 'postgres://fleet:db%2Fpass-1@db/fleet',
        CIS490_TLS_KEY: join(dir, 'client.key'),
      });
      expect(r.redact(`wk-token-1 op-token-1 db/pass-1 db%2Fpass-1 ${keyLine} fleet`)).toBe(
        `${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} fleet`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
