import { Inject, Injectable } from '@nestjs/common';
import {
  parseManifest,
  readManifestText,
  type HostSpec,
  type ManifestIssue,
  type ManifestResult,
} from '@cis490/manifest';
import { AsyncMutex } from './async-mutex';
import { Clock } from './clock';
import { JOBS_OPTIONS, JobsOptions } from './jobs.options';
import type { ReloadResult } from '@cis490/contract';
import { ManifestState } from './manifest-state';
import { QueueService } from './queue.service';

export type ManifestLoadOutcome =
  { ok: true; result: ReloadResult } | { ok: false; errors: ManifestIssue[]; warnings: ManifestIssue[] };

export interface ManifestStatus {
  path: string;
  loaded_at: string | null;
  jobs: number;
  error: string | null;
}

/** One issue as a line, e.g. `jobs[3].min_vram_gib: must be >= 0` or `line 4, column 7: …`. */
export function formatIssue(issue: ManifestIssue): string {
  const where = [
    issue.path,
    issue.line !== undefined ? `line ${issue.line}${issue.column !== undefined ? `, column ${issue.column}` : ''}` : '',
  ].filter(Boolean);
  return where.length ? `${where.join(' ')}: ${issue.message}` : issue.message;
}

/**
 * Reads the operator's manifest and applies it to the queue. A manifest with
 * errors changes nothing: the receiver keeps the hosts and jobs it had.
 */
@Injectable()
export class ManifestService {
  /** Two reloads at once apply in order, so the state kept here matches the database. */
  private readonly loading = new AsyncMutex();
  /** The text of the last manifest that loaded, and what parsing it gave. */
  private lastParsed: { source: string; result: ManifestResult } | null = null;

  constructor(
    private readonly queue: QueueService,
    private readonly state: ManifestState,
    private readonly clock: Clock,
    @Inject(JOBS_OPTIONS) private readonly options: JobsOptions,
  ) {}

  load(): Promise<ManifestLoadOutcome> {
    return this.loading.run(async () => {
      const text = readManifestText(this.options.manifestPath);
      const loaded = text.ok ? this.parse(text.source) : text;
      if (!loaded.ok) {
        const [first] = loaded.errors;
        const more = loaded.errors.length > 1 ? ` (+${loaded.errors.length - 1} more)` : '';
        this.state.error = first ? `${formatIssue(first).split('\n', 1)[0]}${more}` : 'manifest is not valid';
        return { ok: false, errors: loaded.errors, warnings: loaded.warnings };
      }
      const applied = await this.queue.reload(loaded.manifest);
      this.state.manifest = loaded.manifest;
      this.state.loadedAt = this.clock.now().toISOString();
      this.state.error = null;
      return {
        ok: true,
        result: { ...applied, warnings: loaded.warnings.map(({ path, message }) => ({ path, message })) },
      };
    });
  }

  /**
   * Parsing is a pure function of the text and most of what reloading a large
   * manifest costs, so a reload of the very text that loaded last reuses what
   * parsing it gave; the queue is still compared with it in full.
   */
  private parse(source: string): ManifestResult {
    if (this.lastParsed?.source === source) return this.lastParsed.result;
    const result = parseManifest(source);
    if (result.ok) this.lastParsed = { source, result };
    return result;
  }

  /** The `[hosts.<hostname>]` entry of the manifest in force. */
  hostFor(hostname: string): HostSpec | undefined {
    return this.state.hostFor(hostname);
  }

  /** For `/v1/health`. */
  status(): ManifestStatus {
    return {
      path: this.options.manifestPath,
      loaded_at: this.state.loadedAt,
      jobs: this.state.manifest?.jobs.length ?? 0,
      error: this.state.error,
    };
  }
}
