import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, ValidateBy, validateSync } from 'class-validator';
import { existsSync } from 'node:fs';
import { AuthTokens } from '@cis490/auth';
import { DEFAULT_MAX_LOG_BYTES, DEFAULT_MAX_PROGRESS_POINTS, tokenProblem } from '@cis490/contract';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
const emptyAsUnset = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/** The token rule of every side (libs/contract's `tokenProblem`), as a class-validator constraint. */
const IsToken = (): PropertyDecorator =>
  ValidateBy({
    name: 'isToken',
    validator: {
      validate: (value) => typeof value === 'string' && tokenProblem(value) === null,
      defaultMessage: (args) => tokenProblem(String(args?.value ?? '')) ?? '',
    },
  });

/**
 * Variables whose value is a secret (a token; a database URL may hold a password):
 * an error names them and the rule they break, never the value, which would end
 * up in the journal and in whatever ticket quotes it.
 */
const SECRET_VARIABLES: ReadonlySet<string> = new Set(['CIS490_OPERATOR_TOKEN', 'CIS490_WORKER_TOKEN', 'CIS490_DATABASE_URL']);

/** The receiver's environment (SPEC §4), validated once at start. */
class ReceiverEnv {
  @IsString() @MinLength(1)
  CIS490_LISTEN_HOST = '127.0.0.1';

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  CIS490_PORT = 8471;

  @IsString() @MinLength(1)
  CIS490_DATA_DIR = './var';

  @IsString() @MinLength(1)
  CIS490_MANIFEST = 'etc/training_manifest.toml';

  @Transform(emptyAsUnset) @IsOptional() @IsString() @IsToken()
  CIS490_OPERATOR_TOKEN?: string;

  @Transform(emptyAsUnset) @IsOptional() @IsString() @IsToken()
  CIS490_WORKER_TOKEN?: string;

  @Transform(toInt) @IsInt() @Min(1)
  CIS490_STALE_AFTER_S = 600;

  @Transform(toInt) @IsInt() @Min(1)
  CIS490_SWEEP_INTERVAL_S = 30;

  @Transform(toInt) @IsInt() @Min(1)
  CIS490_HEARTBEAT_INTERVAL_S = 30;

  @Transform(toInt) @IsInt() @Min(1)
  CIS490_MAX_UPLOAD_BYTES = 10 * 1024 ** 3;

  /** Per attempt; the log then ends with a line saying it was cut (SPEC §9). */
  @Transform(toInt) @IsInt() @Min(4096)
  CIS490_MAX_LOG_BYTES = DEFAULT_MAX_LOG_BYTES;

  @Transform(toInt) @IsInt() @Min(2)
  CIS490_MAX_PROGRESS_POINTS = DEFAULT_MAX_PROGRESS_POINTS;

  /** A JSON body must arrive within this; an upload may pause this long at most. */
  @Transform(toInt) @IsInt() @Min(1)
  CIS490_REQUEST_TIMEOUT_S = 30;

  /** Open connections beyond this are refused: held claims and streams count. */
  @Transform(toInt) @IsInt() @Min(16)
  CIS490_MAX_CONNECTIONS = 2048;

  @Transform(emptyAsUnset) @IsOptional() @IsString()
  CIS490_TLS_CERT?: string;

  @Transform(emptyAsUnset) @IsOptional() @IsString()
  CIS490_TLS_KEY?: string;

  @Transform(emptyAsUnset) @IsOptional() @IsString()
  CIS490_TLS_CA?: string;

  @Transform(emptyAsUnset) @IsOptional() @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL (unset = SQLite in the data dir)' })
  CIS490_DATABASE_URL?: string;

  @Transform(emptyAsUnset) @IsOptional() @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  CIS490_LOG_LEVEL?: string;
}

/** A bad variable; the message names it. */
export class ConfigError extends Error {}

export interface TlsFiles {
  cert: string;
  key: string;
  ca?: string;
}

/** The receiver's configuration as the code uses it. */
export class ReceiverConfig implements AuthTokens {
  listenHost: string;
  port: number;
  dataDir: string;
  manifestPath: string;
  operatorToken?: string;
  workerToken?: string;
  staleAfterS: number;
  sweepIntervalS: number;
  heartbeatIntervalS: number;
  maxUploadBytes: number;
  maxLogBytes: number;
  maxProgressPoints: number;
  requestTimeoutS: number;
  maxConnections: number;
  tls?: TlsFiles;
  databaseUrl?: string;
  logLevel: string;
}

/** Reads and validates SPEC §4's variables; throws ConfigError naming every bad one. */
export function loadReceiverConfig(env: NodeJS.ProcessEnv = process.env): ReceiverConfig {
  const known = Object.fromEntries(
    Object.entries(env).filter(([k]) => k.startsWith('CIS490_')),
  );
  const parsed = plainToInstance(ReceiverEnv, known, { exposeDefaultValues: true });
  const problems = validateSync(parsed, { forbidUnknownValues: false }).map(
    (e) =>
      `${e.property}${SECRET_VARIABLES.has(e.property) ? '' : `=${JSON.stringify(e.value)}`}: ${Object.values(e.constraints ?? {}).join(', ')}`,
  );
  const { CIS490_TLS_CERT: cert, CIS490_TLS_KEY: key, CIS490_TLS_CA: ca } = parsed;
  if (Boolean(cert) !== Boolean(key)) {
    problems.push(`${cert ? 'CIS490_TLS_KEY' : 'CIS490_TLS_CERT'}: must be set together with ${cert ? 'CIS490_TLS_CERT' : 'CIS490_TLS_KEY'}`);
  }
  if (ca && !cert) problems.push('CIS490_TLS_CA: needs CIS490_TLS_CERT and CIS490_TLS_KEY (mTLS runs over TLS)');
  for (const [name, file] of [['CIS490_TLS_CERT', cert], ['CIS490_TLS_KEY', key], ['CIS490_TLS_CA', ca]]) {
    if (file && !existsSync(file)) problems.push(`${name}: no such file ${file}`);
  }
  if (problems.length) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);

  return Object.assign(new ReceiverConfig(), {
    listenHost: parsed.CIS490_LISTEN_HOST,
    port: parsed.CIS490_PORT,
    dataDir: parsed.CIS490_DATA_DIR,
    manifestPath: parsed.CIS490_MANIFEST,
    operatorToken: parsed.CIS490_OPERATOR_TOKEN,
    workerToken: parsed.CIS490_WORKER_TOKEN,
    staleAfterS: parsed.CIS490_STALE_AFTER_S,
    sweepIntervalS: parsed.CIS490_SWEEP_INTERVAL_S,
    heartbeatIntervalS: parsed.CIS490_HEARTBEAT_INTERVAL_S,
    maxUploadBytes: parsed.CIS490_MAX_UPLOAD_BYTES,
    maxLogBytes: parsed.CIS490_MAX_LOG_BYTES,
    maxProgressPoints: parsed.CIS490_MAX_PROGRESS_POINTS,
    requestTimeoutS: parsed.CIS490_REQUEST_TIMEOUT_S,
    maxConnections: parsed.CIS490_MAX_CONNECTIONS,
    tls: cert && key ? { cert, key, ca } : undefined,
    databaseUrl: parsed.CIS490_DATABASE_URL,
    logLevel: parsed.CIS490_LOG_LEVEL ?? 'log',
  });
}
