import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { readClientTls, ReceiverClient, ReceiverError, ReceiverUnreachableError } from '@cis490/client';
import { zstd } from '../support/bundles';
import { claimBody } from '../support/receiver.harness';
import { cli, json, STACK_TRACE } from '../cli/cli.support';
import { type LabCa, makeLabCa } from '../support/lab-ca';
import { type ReceiverProcess, spawnReceiver } from '../support/receiver.process';
import { TempDirs } from '../support/temp-dirs';
import { runWorker } from '../support/worker.process';

const MANIFEST = '[[jobs]]\nmodel = "gbt"\nmode = "realistic"\nhyper = { n_estimators = 5, max_depth = 2 }\n';
/** A worker's claim names this machine's hostname (its capability's): its certificate must name it too. */
const HOST = hostname();

describe('mTLS end to end: a receiver that requires client certificates (SPEC §12)', () => {
  const temp = new TempDirs();
  let lab: LabCa;
  let other: LabCa;
  let rx: ReceiverProcess;

  beforeAll(async () => {
    lab = makeLabCa(temp.make('cis490-lab-'), [HOST, 'w2', 'ops']);
    // Another lab: a CA this fleet does not know, and a host certificate it did not sign.
    other = makeLabCa(temp.make('cis490-other-lab-'), [HOST]);
    rx = await spawnReceiver(MANIFEST, lab.receiverEnv);
  });
  afterAll(async () => {
    await rx?.close();
    temp.cleanup();
  });

  const clientAs = (host: string) => new ReceiverClient({ baseUrl: rx.url, tls: readClientTls({ ca: lab.ca, ...lab.host(host) }) });

  // Two worker processes: on a loaded machine they take longer than the default timeout.
  it('a worker with its certificate passes self-test over mTLS and trains a job to completion', async () => {
    const work = temp.make('cis490-work-');
    const env = { ...lab.clientEnv(HOST), CIS490_WORKER_ID: HOST };
    const test = await runWorker(['self-test', '--receiver-url', rx.url, '--work-dir', work], env);
    expect(test.output).toMatch(
      new RegExp(`^ok   receiver reachable: https://127\\.0\\.0\\.1:\\d+ \\(receiver .*, TLSv1\\.3 with client certificate CN=${HOST}\\)$`, 'm'),
    );

    const run = await runWorker(['run', '--once', '--receiver-url', rx.url, '--work-dir', work, '--poll-s', '1'], env);
    expect(run).toMatchObject({ code: 0 });
  }, 180_000);

  it('the CLI with the operator host\'s certificate lists and summarizes the queue over mTLS', async () => {
    const ops = { CIS490_RECEIVER_URL: rx.url, ...lab.clientEnv('ops') };
    const list = await cli(['list', '--json'], ops);
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(json(list).jobs[0]).toMatchObject({ status: 'completed', worker_id: HOST, artifact_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const status = await cli(['status'], ops);
    expect(status).toMatchObject({ code: 0, stderr: '' });
    expect(status.stdout).toMatch(/completed/);
    // The flags do what the variables do.
    const flags = await cli(['--receiver', rx.url, '--tls-ca', lab.ca, '--tls-cert', lab.host('ops').cert, '--tls-key', lab.host('ops').key, 'status']);
    expect(flags).toMatchObject({ code: 0, stderr: '' });
  }, 120_000);

  it("another host's certificate cannot claim, heartbeat or upload as this one: 403 naming the mismatch", async () => {
    const w2 = clientAs('w2');
    const claim = w2.claim(claimBody(HOST));
    await expect(claim).rejects.toThrow(ReceiverError);
    await expect(claim).rejects.toMatchObject({ status: 403 });
    await expect(claim).rejects.toThrow(`worker_id "${HOST}" is not a name of this client certificate (w2)`);
    await expect(w2.claim(claimBody('w2', { hostname: HOST }))).rejects.toThrow(`hostname "${HOST}" is not a name of this client certificate (w2)`);
    await expect(w2.heartbeat('0'.repeat(64), { worker_id: HOST })).rejects.toMatchObject({ status: 403 });

    const bundle = `${temp.make('cis490-bundle-')}/bundle.tar.zst`;
    writeFileSync(bundle, zstd('x'));
    await expect(w2.upload('0'.repeat(64), bundle, { workerId: HOST })).rejects.toThrow(/403 .*x-worker-id ".*" is not a name of this client certificate/);

    // Its own name passes the guard: nothing is pending, so no job (204).
    await expect(w2.claim(claimBody('w2'))).resolves.toBeNull();
    await w2.close();
  });

  it('a worker without a client certificate, or with one from another CA, is told so by self-test', async () => {
    const work = temp.make('cis490-work-');
    const none = await runWorker(['self-test', '--receiver-url', rx.url, '--work-dir', work], { CIS490_TLS_CA: lab.ca });
    expect(none.code).toBe(1);
    expect(none.output).toMatch(/^FAIL receiver reachable: .*TLS handshake failed: no client certificate: .*set CIS490_TLS_CERT and CIS490_TLS_KEY/m);

    const foreign = await runWorker(['self-test', '--receiver-url', rx.url, '--work-dir', work], {
      CIS490_TLS_CA: lab.ca,
      CIS490_TLS_CERT: other.host(HOST).cert,
      CIS490_TLS_KEY: other.host(HOST).key,
    });
    expect(foreign.code).toBe(1);
    expect(foreign.output).toMatch(/^FAIL receiver reachable: .*client certificate refused: .*CIS490_TLS_CERT is signed by the receiver's CIS490_TLS_CA/m);
  });

  it("a worker that does not trust the receiver's CA is told: unknown CA", async () => {
    const work = temp.make('cis490-work-');
    const env = { CIS490_TLS_CA: other.ca, CIS490_TLS_CERT: lab.host(HOST).cert, CIS490_TLS_KEY: lab.host(HOST).key };
    const test = await runWorker(['self-test', '--receiver-url', rx.url, '--work-dir', work], env);
    expect(test.code).toBe(1);
    expect(test.output).toMatch(/^FAIL receiver reachable: .*TLS handshake failed: unknown CA: .*set CIS490_TLS_CA to the CA/m);
  });

  it('the CLI names an unknown CA and a missing client certificate: one line, exit 3', async () => {
    const unknownCa = await cli(['status'], { CIS490_RECEIVER_URL: rx.url, CIS490_TLS_CA: other.ca });
    expect(unknownCa.code).toBe(3);
    expect(unknownCa.stderr).toMatch(/^cis490-jobs: cannot reach receiver at https:\/\/127\.0\.0\.1:\d+: unknown CA: .*set CIS490_TLS_CA/);
    expect(unknownCa.stderr.trimEnd().split('\n')).toHaveLength(1);

    const noCert = await cli(['list'], { CIS490_RECEIVER_URL: rx.url, CIS490_TLS_CA: lab.ca });
    expect(noCert.code).toBe(3);
    expect(noCert.stderr).toMatch(/no client certificate: the receiver requires a client certificate .*set CIS490_TLS_CERT/);
    expect(noCert.stderr).not.toMatch(STACK_TRACE);
  });

  it('a bad TLS setting is one line naming the variable or flag (CLI exit 2, worker exit 2)', async () => {
    const cliRun = await cli(['status'], { CIS490_RECEIVER_URL: rx.url, CIS490_TLS_CERT: lab.host('ops').cert });
    expect(cliRun).toMatchObject({ code: 2, stderr: 'cis490-jobs: CIS490_TLS_CERT needs CIS490_TLS_KEY (or --tls-key): a client certificate goes with its private key\n' });
    const wrongKey = await cli(['--tls-cert', lab.host('ops').cert, '--tls-key', lab.host('w2').key, 'status'], { CIS490_RECEIVER_URL: rx.url });
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.stderr).toMatch(/^cis490-jobs: --tls-key .*w2\.key is not the key of --tls-cert .*ops\.crt\n$/);

    const worker = await runWorker(['self-test', '--tls-ca', '/nonexistent/ca.crt']);
    expect(worker.code).toBe(2);
    expect(worker.stderr).toBe('cis490-worker: --tls-ca /nonexistent/ca.crt cannot be read (ENOENT)\n');
  });
});

describe('TLS without client certificates: a receiver certificate for another name', () => {
  const temp = new TempDirs();
  let lab: LabCa;
  let rx: ReceiverProcess;

  beforeAll(async () => {
    lab = makeLabCa(temp.make('cis490-lab-'), [], 'lab-receiver');
    rx = await spawnReceiver(MANIFEST, { CIS490_TLS_CERT: lab.receiverCert, CIS490_TLS_KEY: lab.receiverKey });
  });
  afterAll(async () => {
    await rx?.close();
    temp.cleanup();
  });

  it('self-test and the CLI name the wrong host name; with the name the certificate lists, the CA is enough', async () => {
    const test = await runWorker(['self-test', '--receiver-url', rx.url, '--work-dir', temp.make('cis490-work-')], { CIS490_TLS_CA: lab.ca });
    expect(test.output).toMatch(/^FAIL receiver reachable: .*wrong host name: the receiver's certificate is not made out to 127\.0\.0\.1; use a name the certificate lists/m);
    const status = await cli(['status'], { CIS490_RECEIVER_URL: rx.url, CIS490_TLS_CA: lab.ca });
    expect(status.code).toBe(3);
    expect(status.stderr).toContain('wrong host name');

    // No client certificate needed here: the CA alone makes the receiver trusted.
    const client = new ReceiverClient({ baseUrl: rx.url, tls: readClientTls({ ca: lab.ca }) });
    const err = await client.health().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReceiverUnreachableError);
    expect((err as ReceiverUnreachableError).tls?.kind).toBe('wrong host name');
    await client.close();
  });
});
