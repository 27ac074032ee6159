/** The tokens the guards check; provided by the app from its validated configuration. */
export abstract class AuthTokens {
  /** `CIS490_OPERATOR_TOKEN`; undefined → every operator endpoint answers 403. */
  abstract readonly operatorToken?: string;
  /** `CIS490_WORKER_TOKEN`; undefined → worker endpoints are open. */
  abstract readonly workerToken?: string;
  /** The receiver's TLS files; with `ca`, clients present certificates and a worker's names its host (SPEC §12). */
  abstract readonly tls?: { ca?: string };
}
