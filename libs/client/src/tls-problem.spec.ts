import { tlsProblemOf } from './tls-problem';

describe('tlsProblemOf: TLS error codes in the operator\'s words', () => {
  it.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', true, 'unknown CA'],
    ['SELF_SIGNED_CERT_IN_CHAIN', true, 'unknown CA'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', false, 'unknown CA'],
    ['CERT_HAS_EXPIRED', true, 'expired certificate'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', true, 'wrong host name'],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', false, 'no client certificate'],
    ['UND_ERR_SOCKET', false, 'no client certificate'],
    ['UND_ERR_SOCKET', true, 'client certificate refused'],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', true, 'client certificate refused'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', false, 'not TLS'],
  ])('%s (client certificate: %s) is %s', (code, hasCert, kind) => {
    expect(tlsProblemOf(code, 'lab-receiver', hasCert)?.kind).toBe(kind);
  });

  it('says what to do, naming the host and the variables', () => {
    expect(tlsProblemOf('ERR_TLS_CERT_ALTNAME_INVALID', 'rx1.lab', true)?.message).toContain('rx1.lab');
    expect(tlsProblemOf('CERT_HAS_EXPIRED', 'rx1.lab', true)?.hint).toContain('make-lab-ca.sh');
    expect(tlsProblemOf('SELF_SIGNED_CERT_IN_CHAIN', 'rx1.lab', true)?.hint).toContain('CIS490_TLS_CA');
    expect(tlsProblemOf('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'rx1.lab', false)?.hint).toContain('CIS490_TLS_CERT and CIS490_TLS_KEY');
  });

  it('is undefined for what is not about TLS', () => {
    expect(tlsProblemOf('ECONNREFUSED', 'rx1.lab', true)).toBeUndefined();
    expect(tlsProblemOf(undefined, 'rx1.lab', true)).toBeUndefined();
  });
});
