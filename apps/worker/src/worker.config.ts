import * as os from 'node:os';
import * as path from 'node:path';
import { readCapabilityOverrides } from '@cis490/capability';
import { type ClientTlsFiles, readClientTls } from '@cis490/client';
import { DEFAULT_RECEIVER_URL, MAX_CLAIM_WAIT_S, MAX_SLOTS, NAME_PATTERN, parseReceiverUrls, tokenProblem, WORKER_ID_PATTERN, WORKER_ID_RULE } from '@cis490/contract';
import { parseTrainerCommand, resolveTrainerArgv } from './trainer-command';

/** A bad setting; the message names the variable (or flag) it came from. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The flags that override SPEC §5's variables of the same name (`--poll-s` ↔ `CIS490_POLL_S`). */
export interface WorkerFlags {
  receiverUrl?: string;
  trainerCmd?: string;
  workDir?: string;
  workerId?: string;
  allowJobs?: string;
  denyJobs?: string;
  pollS?: string;
  claimWaitS?: string;
  killGraceS?: string;
  slots?: string;
  gpuBusyMib?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/** The worker's settings as the code uses them. */
export interface WorkerConfig {
  /** The receivers, in the order tried: the worker fails over to the next when one does not answer (SPEC §11). */
  receiverUrls: string[];
  /** From the environment only: argv is visible to every user of the host. */
  workerToken?: string;
  /** The trainer's command as written; '' when not configured. */
  trainerCmd: string;
  /** Split, relative paths made absolute; [] when not configured (self-test fails then). */
  trainerArgv: string[];
  /** Absolute. */
  workDir: string;
  workerId: string;
  allowJobs: string[];
  denyJobs: string[];
  pollS: number;
  /** How long a claim is held on the receiver while nothing is eligible (long poll); 0 = answered at once. */
  claimWaitS: number;
  killGraceS: number;
  /** Jobs run at once (SPEC §10); 'auto' = one per usable GPU, at least 1, decided once the GPUs are known. */
  slots: number | 'auto';
  /** A GPU none of this worker's jobs holds, with more MiB in use than this, runs someone else's processes (SPEC §10). */
  gpuBusyMib: number;
  /** SPEC §12: absolute paths, each file checked at start; {} when none is set. */
  tls: ClientTlsFiles;
}

export const DEFAULTS = {
  receiverUrl: DEFAULT_RECEIVER_URL,
  workDir: './work',
  pollS: 10,
  claimWaitS: 30,
  killGraceS: 10,
  slots: 'auto',
  gpuBusyMib: 1024,
} as const;

const DECIMAL = /^\d+(\.\d+)?$/;

/** One setting: the flag's value when given, else the variable's; an empty value counts as unset. */
interface Setting {
  name: string;
  value?: string;
}

function setting(env: NodeJS.ProcessEnv, variable: string, flag: string, flagValue: string | undefined): Setting {
  if (flagValue !== undefined) return { name: flag, value: flagValue.trim() };
  const value = env[variable]?.trim();
  return { name: variable, value: value ? value : undefined };
}

/**
 * Reads SPEC §5's environment with flags overriding it, once, at start.
 * Throws ConfigError naming the first bad setting.
 */
export function loadWorkerConfig(
  env: NodeJS.ProcessEnv = process.env,
  flags: WorkerFlags = {},
  cwd: string = process.cwd(),
): WorkerConfig {
  const s = (variable: string, flag: string, value: string | undefined) => setting(env, variable, flag, value);
  try {
    readCapabilityOverrides(env);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }

  const trainer = s('CIS490_TRAINER_CMD', '--trainer-cmd', flags.trainerCmd);
  let trainerArgv: string[] = [];
  if (trainer.value !== undefined) {
    try {
      trainerArgv = resolveTrainerArgv(parseTrainerCommand(trainer.value, env), cwd);
    } catch (err) {
      throw new ConfigError(`${trainer.name} ${(err as Error).message}: ${JSON.stringify(trainer.value)}`);
    }
  }

  const token = env.CIS490_WORKER_TOKEN?.trim();
  // Named with its rule, never quoted; the length is the receiver's to judge.
  const problem = token ? tokenProblem(token, 1) : null;
  if (problem) throw new ConfigError(`CIS490_WORKER_TOKEN ${problem}`);
  return {
    receiverUrls: receiverUrls(s('CIS490_RECEIVER_URL', '--receiver-url', flags.receiverUrl)),
    workerToken: token ? token : undefined,
    trainerCmd: trainer.value ?? '',
    trainerArgv,
    workDir: path.resolve(cwd, s('CIS490_WORK_DIR', '--work-dir', flags.workDir).value ?? DEFAULTS.workDir),
    workerId: workerId(s('CIS490_WORKER_ID', '--worker-id', flags.workerId)),
    allowJobs: modelList(s('CIS490_ALLOW_JOBS', '--allow-jobs', flags.allowJobs)),
    denyJobs: modelList(s('CIS490_DENY_JOBS', '--deny-jobs', flags.denyJobs)),
    pollS: seconds(s('CIS490_POLL_S', '--poll-s', flags.pollS), DEFAULTS.pollS, 0.1),
    claimWaitS: claimWait(s('CIS490_CLAIM_WAIT_S', '--claim-wait-s', flags.claimWaitS)),
    killGraceS: seconds(s('CIS490_KILL_GRACE_S', '--kill-grace-s', flags.killGraceS), DEFAULTS.killGraceS, 0),
    slots: slots(s('CIS490_SLOTS', '--slots', flags.slots)),
    gpuBusyMib: mib(s('CIS490_GPU_BUSY_MIB', '--gpu-busy-mib', flags.gpuBusyMib), DEFAULTS.gpuBusyMib),
    tls: tlsFiles(
      s('CIS490_TLS_CA', '--tls-ca', flags.tlsCa),
      s('CIS490_TLS_CERT', '--tls-cert', flags.tlsCert),
      s('CIS490_TLS_KEY', '--tls-key', flags.tlsKey),
      cwd,
    ),
  };
}

/** The files are read here once, so that a bad one stops the worker at start, named. */
function tlsFiles(ca: Setting, cert: Setting, key: Setting, cwd: string): ClientTlsFiles {
  // An empty flag unsets the file, as an empty variable does.
  const at = (v?: string) => (v ? path.resolve(cwd, v) : undefined);
  const files: ClientTlsFiles = { ca: at(ca.value), cert: at(cert.value), key: at(key.value) };
  try {
    readClientTls(files, { ca: ca.name, cert: cert.name, key: key.name });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  return Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined));
}

function receiverUrls({ name, value }: Setting): string[] {
  if (value === undefined) return [DEFAULTS.receiverUrl];
  try {
    return parseReceiverUrls(value);
  } catch (err) {
    throw new ConfigError(`${name} ${(err as Error).message}`);
  }
}

function workerId({ name, value }: Setting): string {
  if (value === undefined) {
    const host = os.hostname();
    if (!WORKER_ID_PATTERN.test(host)) throw new ConfigError(`the hostname ${JSON.stringify(host)} is not a valid worker ID: set ${name}`);
    return host;
  }
  if (!WORKER_ID_PATTERN.test(value)) {
    throw new ConfigError(`${name} must be ${WORKER_ID_RULE}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function modelList({ name, value }: Setting): string[] {
  if (value === undefined) return [];
  const models = value.split(',').map((m) => m.trim()).filter((m) => m !== '');
  const bad = models.find((m) => !NAME_PATTERN.test(m));
  if (bad !== undefined) throw new ConfigError(`${name} must be a comma list of model names, got ${JSON.stringify(bad)}`);
  return [...new Set(models)];
}

function claimWait({ name, value }: Setting): number {
  if (value === undefined) return DEFAULTS.claimWaitS;
  if (!/^\d+$/.test(value) || Number(value) > MAX_CLAIM_WAIT_S) {
    throw new ConfigError(`${name} must be a whole number of seconds from 0 to ${MAX_CLAIM_WAIT_S}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

function slots({ name, value }: Setting): number | 'auto' {
  if (value === undefined || value === 'auto') return DEFAULTS.slots;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_SLOTS) {
    throw new ConfigError(`${name} must be "auto" or a whole number from 1 to ${MAX_SLOTS}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

function mib({ name, value }: Setting, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(`${name} must be a whole number of MiB >= 0, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** The slots in force: as configured, or with 'auto' one per usable GPU, at least 1. */
export function slotsFor(configured: number | 'auto', usableGpus: number): number {
  return configured === 'auto' ? Math.max(1, usableGpus) : configured;
}

function seconds({ name, value }: Setting, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!DECIMAL.test(value) || n < min) {
    throw new ConfigError(`${name} must be a number of seconds >= ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}
