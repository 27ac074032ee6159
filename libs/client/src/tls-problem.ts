import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { type ClientTls, tlsConnectOptions } from './client-tls';

/** What is wrong with a TLS connection to the receiver, in the operator's words, and what to do about it. */
export interface TlsProblem {
  kind: 'unknown CA' | 'expired certificate' | 'wrong host name' | 'no client certificate' | 'client certificate refused' | 'not TLS';
  /** One clause: what happened. */
  message: string;
  /** What to do. */
  hint: string;
}

const UNKNOWN_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

/** The receiver's alert when it asked for a client certificate and got none (TLS 1.3; 1.2's handshake failure). */
const NO_CLIENT_CERT = new Set([
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
]);

/** The receiver's alerts about the certificate this client presented. */
const CLIENT_CERT_REFUSED = new Set([
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR',
]);

const SET_CA = 'set CIS490_TLS_CA to the CA that signed the receiver\'s certificate (ca.crt of scripts/make-lab-ca.sh)';
const SET_CERT = "set CIS490_TLS_CERT and CIS490_TLS_KEY to this host's certificate and key (scripts/make-lab-ca.sh --out DIR HOST makes DIR/hosts/HOST.crt and .key)";

/**
 * The problem a TLS error code names, or undefined when the code is not
 * about TLS (a refused connection, a timeout). `host` is the name in the URL.
 */
export function tlsProblemOf(code: string | undefined, host: string, hasClientCert: boolean): TlsProblem | undefined {
  if (!code) return undefined;
  if (UNKNOWN_CA.has(code)) {
    return { kind: 'unknown CA', message: "the receiver's certificate is signed by a CA this host does not trust", hint: SET_CA };
  }
  if (code === 'CERT_HAS_EXPIRED') {
    return {
      kind: 'expired certificate',
      message: "the receiver's certificate has expired",
      hint: 'make the receiver a new one (scripts/make-lab-ca.sh --out DIR --receiver NAMES) and restart it',
    };
  }
  if (code === 'CERT_NOT_YET_VALID') {
    return {
      kind: 'expired certificate',
      message: "the receiver's certificate is not valid yet",
      hint: "check this host's clock and the receiver's (timedatectl)",
    };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      kind: 'wrong host name',
      message: `the receiver's certificate is not made out to ${host}`,
      hint: "use a name the certificate lists in the receiver URL, or make the receiver's certificate anew with it in --receiver NAMES",
    };
  }
  if (NO_CLIENT_CERT.has(code) || (code === 'UND_ERR_SOCKET' && !hasClientCert)) {
    return hasClientCert
      ? { kind: 'client certificate refused', message: 'the receiver refused the handshake', hint: clientCertHint() }
      : { kind: 'no client certificate', message: 'the receiver requires a client certificate and this host presented none', hint: SET_CERT };
  }
  if (CLIENT_CERT_REFUSED.has(code) || code === 'UND_ERR_SOCKET') {
    return { kind: 'client certificate refused', message: "the receiver refused this host's client certificate", hint: clientCertHint() };
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') {
    return { kind: 'not TLS', message: 'the receiver does not speak TLS on this port', hint: 'use http:// for it, or set CIS490_TLS_CERT and CIS490_TLS_KEY on the receiver' };
  }
  return undefined;
}

const clientCertHint = () =>
  "check that CIS490_TLS_CERT is signed by the receiver's CIS490_TLS_CA and has not expired (openssl x509 -noout -issuer -enddate -in FILE)";

/** `unknown CA: the receiver's certificate is … — set CIS490_TLS_CA …`. */
export const describeTlsProblem = (p: TlsProblem): string => `${p.kind}: ${p.message}; ${p.hint}`;

export type TlsProbe =
  | { ok: true; protocol: string; receiverName?: string; receiverValidTo?: string }
  | { ok: false; problem?: TlsProblem; code?: string; message: string };

/**
 * Opens a TLS connection to an https URL as the client would and asks for
 * `/v1/health`, to tell what fails: a certificate this client rejects, or
 * one the receiver rejects. TLS 1.3 sends the receiver's verdict on the
 * client certificate after the handshake, so the answer's first bytes are
 * awaited too: a connection closed before them means it was refused.
 */
export function probeTls(url: string, tls: ClientTls | undefined, timeoutMs: number): Promise<TlsProbe> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || 443);
  const hasClientCert = Boolean(tls?.cert);
  return new Promise((resolve) => {
    let settled = false;
    let socket: TLSSocket | undefined;
    const done = (probe: TlsProbe) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      resolve(probe);
    };
    const failed = (err: NodeJS.ErrnoException) => {
      const problem = tlsProblemOf(err.code, host, hasClientCert);
      done({ ok: false, problem, code: err.code, message: err.message.split('\n', 1)[0] });
    };
    const timer = setTimeout(() => done({ ok: false, message: `no TLS handshake within ${timeoutMs} ms` }), timeoutMs);
    socket = connect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...(tls ? tlsConnectOptions(tls) : {}) });
    socket.once('error', failed);
    socket.once('secureConnect', () => {
      const peer = socket!.getPeerCertificate();
      const path = `${target.pathname.replace(/\/$/, '')}/v1/health`;
      socket!.write(`GET ${path} HTTP/1.1\r\nhost: ${target.host}\r\nconnection: close\r\n\r\n`);
      socket!.once('data', () =>
        done({ ok: true, protocol: socket!.getProtocol() ?? 'TLS', receiverName: [peer?.subject?.CN].flat()[0], receiverValidTo: peer?.valid_to }),
      );
    });
    socket.once('close', () => failed(Object.assign(new Error('the receiver closed the connection'), { code: 'UND_ERR_SOCKET' })));
  });
}
