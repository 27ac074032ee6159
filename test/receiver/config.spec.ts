import { ConfigError, loadReceiverConfig } from '../../apps/receiver/src/config/receiver.config';

describe('receiver configuration', () => {
  it('has the defaults of SPEC §4', () => {
    expect(loadReceiverConfig({})).toMatchObject({
      listenHost: '127.0.0.1',
      port: 8471,
      dataDir: './var',
      manifestPath: 'etc/training_manifest.toml',
      operatorToken: undefined,
      workerToken: undefined,
      staleAfterS: 600,
      sweepIntervalS: 30,
      heartbeatIntervalS: 30,
      maxUploadBytes: 10737418240,
      maxLogBytes: 67108864,
      maxProgressPoints: 10000,
      tls: undefined,
      databaseUrl: undefined,
    });
  });

  it.each([
    ['CIS490_PORT', 'eighty'],
    ['CIS490_PORT', '70000'],
    ['CIS490_STALE_AFTER_S', '0'],
    ['CIS490_SWEEP_INTERVAL_S', '-5'],
    ['CIS490_HEARTBEAT_INTERVAL_S', '1.5'],
    ['CIS490_MAX_UPLOAD_BYTES', '10GB'],
    ['CIS490_MAX_LOG_BYTES', '64MiB'],
    ['CIS490_MAX_PROGRESS_POINTS', '1'],
    ['CIS490_DATABASE_URL', 'mysql://db/x'],
    ['CIS490_TLS_CERT', '/nonexistent/cert.pem'],
    ['CIS490_OPERATOR_TOKEN', 'short'],
  ])('rejects %s=%s, naming the variable', (name, value) => {
    expect(() => loadReceiverConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadReceiverConfig({ [name]: value })).toThrow(name);
  });

  it.each([
    ['CIS490_OPERATOR_TOKEN', 'tok123', /CIS490_OPERATOR_TOKEN: must be at least 8 characters/],
    ['CIS490_WORKER_TOKEN', 'wk-tok1', /CIS490_WORKER_TOKEN: must be at least 8 characters/],
    ['CIS490_OPERATOR_TOKEN', 'secret token with spaces', /CIS490_OPERATOR_TOKEN: must be visible ASCII/],
    ['CIS490_DATABASE_URL', 'mysql://admin:pw-s3cret@db/x', /CIS490_DATABASE_URL: must be a postgres:\/\/ URL/],
  ])('names %s and its rule but never its value', (name, value, rule) => {
    let message = '';
    try {
      loadReceiverConfig({ [name]: value });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(rule);
    expect(message).not.toContain(value);
    expect(message).not.toContain('pw-s3cret');
  });

  it('reads numbers and treats empty values as unset', () => {
    const config = loadReceiverConfig({ CIS490_PORT: '9000', CIS490_OPERATOR_TOKEN: '', CIS490_STALE_AFTER_S: '60' });
    expect(config).toMatchObject({ port: 9000, operatorToken: undefined, staleAfterS: 60 });
  });
});
