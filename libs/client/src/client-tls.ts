import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent } from 'undici';

/** Where the client's TLS files are (SPEC §12): `CIS490_TLS_CA`, `CIS490_TLS_CERT`, `CIS490_TLS_KEY`. */
export interface ClientTlsFiles {
  /** A CA trusted for the receiver's certificate, besides the system's. */
  ca?: string;
  /** This host's client certificate (mTLS); with `key`. */
  cert?: string;
  key?: string;
}

/** The files' contents, checked. Holds a private key: never logged nor printed. */
export interface ClientTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** The client certificate's CN, to say which identity the receiver sees. */
  certName?: string;
}

/** How each file was set, for the messages: a variable or a flag. */
export type ClientTlsNames = Record<keyof ClientTlsFiles, string>;

export const CLIENT_TLS_VARIABLES: ClientTlsNames = { ca: 'CIS490_TLS_CA', cert: 'CIS490_TLS_CERT', key: 'CIS490_TLS_KEY' };

/**
 * Reads and checks the files: each must be readable PEM of its kind, the
 * certificate and key come together and belong together. Throws an Error
 * whose message names the setting (never the key's content).
 */
export function readClientTls(files: ClientTlsFiles, names: ClientTlsNames = CLIENT_TLS_VARIABLES): ClientTls | undefined {
  const { ca, cert, key } = files;
  if (!ca && !cert && !key) return undefined;
  if (Boolean(cert) !== Boolean(key)) {
    const [set, unset] = cert ? [names.cert, names.key] : [names.key, names.cert];
    throw new Error(`${set} needs ${unset}: a client certificate goes with its private key`);
  }
  const tls: ClientTls = {};
  if (ca) {
    tls.ca = read(names.ca, ca);
    certificate(names.ca, ca, tls.ca);
  }
  if (cert && key) {
    tls.cert = read(names.cert, cert);
    tls.key = read(names.key, key);
    const x509 = certificate(names.cert, cert, tls.cert);
    let privateKey;
    try {
      privateKey = createPrivateKey(tls.key);
    } catch {
      throw new Error(`${names.key} ${key} is not a PEM private key (or it is encrypted)`);
    }
    if (!x509.checkPrivateKey(privateKey)) throw new Error(`${names.key} ${key} is not the key of ${names.cert} ${cert}`);
    tls.certName = /^CN=(.*)$/m.exec(x509.subject)?.[1];
  }
  return tls;
}

function read(name: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${name} ${file} cannot be read (${code ?? (err as Error).message})`);
  }
}

function certificate(name: string, file: string, pem: Buffer): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new Error(`${name} ${file} is not a PEM certificate`);
  }
}

/** What node:tls and undici's `connect` take: the given CA added to the system's, not instead of them. */
export function tlsConnectOptions(tls: ClientTls): { ca?: string[] | Buffer[]; cert?: Buffer; key?: Buffer } {
  return {
    ...(tls.ca ? { ca: [...rootCertificates, tls.ca.toString('utf8')] } : {}),
    ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
  };
}

/**
 * One connection pool for every receiver of a client, presenting the client
 * certificate and trusting the CA. Node's fetch takes a dispatcher from the
 * `undici` package of a major it can drive (7 on Node 20).
 */
export function tlsAgent(tls: ClientTls): Agent {
  return new Agent({ connect: tlsConnectOptions(tls) });
}
