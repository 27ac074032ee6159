import { jobView } from '../../../../test/support/views.fixtures';
import { jobDirOf, trainerEnv } from './job-dir';

describe('trainerEnv', () => {
  const job = jobView({ id: 'a'.repeat(64) });
  const dir = jobDirOf('/srv/work', job.id);

  it("gives the trainer none of the worker's own settings, its secrets among them", () => {
    const env = trainerEnv(
      {
        PATH: '/usr/bin',
        HF_HOME: '/data/hf',
        CIS490_WORKER_TOKEN: 'wk-s3cret',
        CIS490_OPERATOR_TOKEN: 'op-s3cret',
        CIS490_TLS_KEY: '/etc/cis490/client.key',
        CIS490_DATABASE_URL: 'postgres://u:pw@db/x',
        CIS490_RECEIVER_URL: 'http://rx:8471',
        cis490_worker_token: 'wk-s3cret',
      },
      job,
      dir,
    );
    expect(Object.values(env).join(' ')).not.toMatch(/s3cret|client\.key|pw@/);
    expect(env).toMatchObject({ PATH: '/usr/bin', HF_HOME: '/data/hf', CIS490_JOB_ID: job.id, CIS490_OUTPUT_DIR: dir.outDir });
    expect(Object.keys(env).filter((k) => k.toUpperCase().startsWith('CIS490_')).sort()).toEqual(
      ['CIS490_HYPER', 'CIS490_INPUTS_DIR', 'CIS490_JOB_FILE', 'CIS490_JOB_ID', 'CIS490_MODE', 'CIS490_MODEL', 'CIS490_OUTPUT_DIR', 'CIS490_PROGRESS_FILE', 'CIS490_SEED'],
    );
  });
});
