import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MAKE_LAB_CA, makeLabCa } from '../support/lab-ca';
import { TempDirs } from '../support/temp-dirs';

const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' });
const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe('scripts/make-lab-ca.sh', () => {
  const temp = new TempDirs();
  afterAll(() => temp.cleanup());

  it('makes a CA, a receiver certificate for DNS names and IPs, and a client certificate per host; keys 0600', () => {
    const lab = makeLabCa(temp.make('cis490-lab-'), ['lab1', 'gpu-7.lab'], 'lab-receiver,10.0.0.5');

    const receiver = openssl('x509', '-in', lab.receiverCert, '-noout', '-subject', '-ext', 'subjectAltName,extendedKeyUsage');
    expect(receiver).toMatch(/CN ?= ?lab-receiver/);
    expect(receiver).toMatch(/DNS:lab-receiver, IP Address:10\.0\.0\.5/);
    expect(receiver).toContain('TLS Web Server Authentication');

    const host = openssl('x509', '-in', lab.host('gpu-7.lab').cert, '-noout', '-subject', '-ext', 'subjectAltName,extendedKeyUsage');
    expect(host).toMatch(/CN ?= ?gpu-7\.lab/);
    expect(host).toMatch(/DNS:gpu-7\.lab$/m);
    expect(host).toContain('TLS Web Client Authentication');

    for (const cert of [lab.receiverCert, lab.host('lab1').cert]) {
      expect(openssl('verify', '-CAfile', lab.ca, cert).trim()).toBe(`${cert}: OK`);
    }
    for (const key of [lab.caKey, lab.receiverKey, lab.host('lab1').key, lab.host('gpu-7.lab').key]) expect(mode(key)).toBe('600');
    expect(mode(lab.ca)).toBe('644');
  });

  it('reuses the CA when present: certificates made before still verify', () => {
    const dir = temp.make('cis490-lab-');
    const first = makeLabCa(dir, ['lab1']);
    const ca = readFileSync(first.ca, 'utf8');
    const again = spawnSync('bash', [MAKE_LAB_CA, '--out', dir, 'lab2'], { encoding: 'utf8' });
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`reusing the CA in ${dir}/ca.crt`);
    expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).toBe(ca);
    expect(openssl('verify', '-CAfile', first.ca, first.host('lab1').cert, first.host('lab2').cert)).toMatch(/lab1\.crt: OK\n.*lab2\.crt: OK/);
  });

  it('--help says what it makes; bad input is a usage error that changes nothing', () => {
    const help = spawnSync('bash', [MAKE_LAB_CA, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const said of ['--out DIR', '--receiver NAMES', 'DIR/ca.crt', 'DIR/hosts/HOST.crt', 'CN = HOST', '0600', 'reused']) {
      expect(help.stdout).toContain(said);
    }

    const dir = join(temp.make('cis490-lab-'), 'out');
    const badHost = spawnSync('bash', [MAKE_LAB_CA, '--out', dir, 'has space'], { encoding: 'utf8' });
    expect(badHost.status).toBe(2);
    expect(badHost.stderr).toMatch(/^error: HOST "has space" is not a worker name/);
    const badName = spawnSync('bash', [MAKE_LAB_CA, '--out', dir, '--receiver', 'ok,bad_name!'], { encoding: 'utf8' });
    expect(badName.status).toBe(2);
    expect(badName.stderr).toMatch(/^error: --receiver name "bad_name!" is neither a DNS name nor an IP address/);
    expect(spawnSync('test', ['-e', dir]).status).toBe(1);
  });
});
