import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './receiver.process';

export const MAKE_LAB_CA = join(ROOT, 'scripts/make-lab-ca.sh');

/** The files scripts/make-lab-ca.sh writes into `dir`. */
export interface LabCa {
  dir: string;
  ca: string;
  caKey: string;
  receiverCert: string;
  receiverKey: string;
  /** A host's client certificate and key. */
  host(name: string): { cert: string; key: string };
  /** The receiver's CIS490_TLS_* with client certificates required. */
  receiverEnv: Record<string, string>;
  /** A worker's or the CLI's CIS490_TLS_* as host `name`. */
  clientEnv(name: string): Record<string, string>;
}

/** Runs the real script (openssl) into `dir`; the receiver's certificate names 127.0.0.1 and localhost. */
export function makeLabCa(dir: string, hosts: string[], receiverNames = '127.0.0.1,localhost'): LabCa {
  execFileSync('bash', [MAKE_LAB_CA, '--out', dir, '--receiver', receiverNames, ...hosts], { stdio: 'pipe' });
  const ca = join(dir, 'ca.crt');
  const host = (name: string) => ({ cert: join(dir, 'hosts', `${name}.crt`), key: join(dir, 'hosts', `${name}.key`) });
  return {
    dir,
    ca,
    caKey: join(dir, 'ca.key'),
    receiverCert: join(dir, 'receiver.crt'),
    receiverKey: join(dir, 'receiver.key'),
    host,
    receiverEnv: { CIS490_TLS_CERT: join(dir, 'receiver.crt'), CIS490_TLS_KEY: join(dir, 'receiver.key'), CIS490_TLS_CA: ca },
    clientEnv: (name) => ({ CIS490_TLS_CA: ca, CIS490_TLS_CERT: host(name).cert, CIS490_TLS_KEY: host(name).key }),
  };
}
