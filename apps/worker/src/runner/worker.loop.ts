import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { readClientTls, ReceiverClientFactory, ReceiverError, ReceiverUnreachableError, RetryOptions, type Unanswered } from '@cis490/client';
import { CapabilityDetector, type HostDetection } from '@cis490/capability';
import type { ClaimRequest, ClaimResponse, FreeGpu } from '@cis490/contract';
import { describeCapability } from '../capability.format';
import { slotsFor, type WorkerConfig } from '../worker.config';
import { BusyGpus } from './busy-gpus';
import { JobRunner } from './job.runner';
import { formatCheck, SelfTestService } from './self-test.service';
import { Shutdown } from './shutdown';
import { oneLine, WorkerLog } from './worker.log';

export interface RunOptions {
  /** Exit after this many jobs (`--once` = 1); undefined = run until a signal. */
  maxJobs?: number;
}

/** A 204 that took this long was a held claim (the receiver holds at least a second), not an old receiver's. */
const HELD_AT_LEAST_MS = 500;

/**
 * While jobs run or other processes use a GPU, a claim is held no longer than
 * this: a GPU or slot freed meanwhile is offered only by the next claim.
 */
const BUSY_CLAIM_WAIT_S = 2;

/** What a running job holds on this worker (SPEC §10). */
interface Held {
  gpus: number[];
  ramGib: number;
}

/** Waits for an unreachable receiver: 0.5 s, 1 s, 2 s… up to 30 s between tries, each jittered. */
export const RECEIVER_RETRY: Omit<RetryOptions, 'onRetry'> = { attempts: Infinity, baseMs: 500, maxMs: 30_000 };

/**
 * The daemon (`cis490-worker run`): local self-test, then claims while a slot
 * is free, each job run on its own (SPEC §10), until a signal or `--max-jobs`
 * jobs. Returns the exit code once every job it started has ended.
 */
@Injectable()
export class WorkerLoop {
  constructor(
    private readonly log: WorkerLog,
    private readonly selfTest: SelfTestService,
    private readonly clients: ReceiverClientFactory,
    private readonly runner: JobRunner,
    private readonly detector: CapabilityDetector,
  ) {}

  async run(config: WorkerConfig, opts: RunOptions = {}): Promise<number> {
    const { log } = this;
    const shutdown = new Shutdown(log);
    const uninstall = shutdown.install();
    try {
      const { checks, detected } = await this.selfTest.local(config);
      const failed = checks.filter((c) => !c.ok);
      for (const check of failed) log.error(`self-test ${formatCheck(check)}`);
      if (failed.length || !detected) return 1;
      const slots = slotsFor(config.slots, detected.gpus.length);
      log.info(
        `worker ${config.workerId} starting: ${describeReceivers(config.receiverUrls)}, trainer ${JSON.stringify(config.trainerCmd)}, ` +
          `work dir ${config.workDir}, ${slots} slot${slots === 1 ? '' : 's'}; ${describeCapability(detected.capability)}`,
      );
      return await this.loop(config, opts, detected, slots, shutdown);
    } finally {
      uninstall();
    }
  }

  private async loop(
    config: WorkerConfig,
    opts: RunOptions,
    host: HostDetection,
    slots: number,
    shutdown: Shutdown,
  ): Promise<number> {
    const { log } = this;
    const client = this.clients.create({
      baseUrl: config.receiverUrls,
      workerToken: config.workerToken,
      tls: readClientTls(config.tls),
      retry: {
        ...RECEIVER_RETRY,
        onRetry: (err, attempt, delayMs) => log.warn(`${oneLine(err.message)}; retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s`),
      },
      // Said once per move: every later request goes to the receiver that answered.
      onFailover: ({ from, to, unanswered }) => log.warn(`receiver ${from} did not answer (${whyUnanswered(unanswered)}); now using ${to}`),
    });
    const running = new Map<Promise<void>, Held>();
    const othersGpus = new BusyGpus(log, config.gpuBusyMib, () => this.detector.gpuMemoryUsed());
    let claimed = 0;
    let done = 0;
    // Learned from the first claim: idle polls must come often enough to keep this worker "online".
    let heartbeatS: number | undefined;
    let idle = false;

    while (!shutdown.requested && !(opts.maxJobs !== undefined && claimed >= opts.maxJobs)) {
      if (running.size >= slots) {
        await Promise.race(running.keys());
        continue;
      }
      const holding = [...running.values()];
      const ours = new Set(holding.flatMap((h) => h.gpus));
      const busy = await othersGpus.among(host.gpus.map((gpu) => gpu.index).filter((index) => !ours.has(index)));
      const request = claimRequest(config, host, slots, holding, busy);
      // Held no longer than a poll may be apart, or this worker would count as offline meanwhile.
      let waitS = Math.min(config.claimWaitS, heartbeatS ?? config.claimWaitS);
      if (running.size > 0 || busy.size > 0) waitS = Math.min(waitS, BUSY_CLAIM_WAIT_S);
      const askedAt = Date.now();
      let claim: ClaimResponse | null;
      try {
        claim = await client.claim(request, { signal: shutdown.signal, waitS });
      } catch (err) {
        if (shutdown.requested) break;
        if (err instanceof ReceiverError && (err.status === 401 || err.status === 403)) {
          log.error(`the receiver refused this worker: ${err.message} (check CIS490_WORKER_TOKEN)`);
          return 1;
        }
        log.error(`claim failed: ${oneLine((err as Error).message)}; trying again in ${config.pollS} s`);
        await pause(config.pollS, shutdown.signal);
        continue;
      }
      if (claim === null) {
        // A receiver that held the claim (at least a second: it holds up to its heartbeat interval)
        // is asked again at once. One that answered at once does not hold claims (older than long
        // polls) or is shutting down: poll.
        const held = waitS > 0 && Date.now() - askedAt >= HELD_AT_LEAST_MS;
        const pollS = Math.min(config.pollS, heartbeatS ?? config.pollS);
        if (!idle) log.info(held ? 'no eligible job; waiting on the receiver for one' : `no eligible job; polling every ${pollS} s`);
        idle = true;
        if (!held) await pause(pollS, shutdown.signal);
        continue;
      }
      idle = false;
      heartbeatS = claim.heartbeat_interval_s;
      claimed++;
      const held: Held = { gpus: claim.gpus ?? [], ramGib: claim.job.min_ram_gib };
      const job: Promise<void> = this.runner
        .run(claim, client, config, shutdown)
        .then(
          () => undefined,
          (err: Error) => log.error(`job ${claim.job.id.slice(0, 12)}: ${oneLine(err.message)}`),
        )
        .finally(() => {
          running.delete(job);
          done++;
        });
      running.set(job, held);
    }
    // Every job started ends first: on a shutdown each gives itself back.
    await Promise.all(running.keys());
    log.info(`worker ${config.workerId} stopped${shutdown.reason ? ` on ${shutdown.reason}` : ''} after ${done} job${done === 1 ? '' : 's'}`);
    return 0;
  }
}

/**
 * The claim as things stand (SPEC §10): the GPUs neither a running job holds
 * nor other processes use (`othersUse`), and the RAM the running jobs asked
 * for taken off the capability.
 */
function claimRequest(config: WorkerConfig, host: HostDetection, slots: number, held: Held[], othersUse: Set<number>): ClaimRequest {
  const ours = new Set(held.flatMap((h) => h.gpus));
  const free: FreeGpu[] = host.gpus.filter((gpu) => !ours.has(gpu.index) && !othersUse.has(gpu.index));
  const usedRam = held.reduce((sum, h) => sum + h.ramGib, 0);
  const ram_gib = Math.max(0, Math.round((host.capability.ram_gib - usedRam) * 10) / 10);
  return {
    worker_id: config.workerId,
    hostname: host.capability.hostname,
    capability: { ...host.capability, ram_gib },
    ...(config.allowJobs.length ? { allow_jobs: config.allowJobs } : {}),
    ...(config.denyJobs.length ? { deny_jobs: config.denyJobs } : {}),
    free_gpus: free,
    slots,
  };
}

/** What the receiver that was in use said, or failed to: `connect ECONNREFUSED …`, `503 Service Unavailable`. */
function whyUnanswered(unanswered: readonly Unanswered[]): string {
  const err = unanswered[0]?.error;
  if (!err) return 'no answer';
  return oneLine(err instanceof ReceiverUnreachableError ? err.reason : err.message);
}

/** `receiver http://a:8471`, or `receivers http://a:8471, http://b:8471 (in turn)`. */
export function describeReceivers(urls: readonly string[]): string {
  return urls.length === 1 ? `receiver ${urls[0]}` : `receivers ${urls.join(', ')} (in turn)`;
}

async function pause(seconds: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(seconds * 1000, undefined, { signal });
  } catch {
    // a shutdown: the loop looks at it next
  }
}
