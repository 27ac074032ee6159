import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import type { ManifestIssue, ReloadResult } from '@cis490/contract';
import { AsyncMutex, Db } from '@cis490/db';
import { ManifestService } from '@cis490/manifest';
import { Clock } from './clock';
import { JobFeed } from './job-feed';
import { ManifestStateRepository } from './manifest-state.repository';
import { QueueService } from './queue.service';

export type ManifestLoadOutcome =
  { ok: true; result: ReloadResult } | { ok: false; errors: ManifestIssue[]; warnings: ManifestIssue[] };

/** How often a receiver sharing the database looks for a reload it was not told of (a lost notification). */
const FOLLOW_CHECK_MS = 10_000;

/**
 * Puts the operator's manifest in force: at start, and on every reload. A
 * manifest with errors changes nothing: the receiver keeps serving the hosts
 * and jobs it had, and reports why in `/v1/health`.
 *
 * What is in force is kept in the database too (SPEC §11), in the reload's
 * own transaction: receivers sharing the database adopt a reload made
 * through any of them, told by the feed and checking now and then besides.
 */
@Injectable()
export class ManifestLoader implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Manifest');
  /** Two reloads at once apply in order, so the manifest in force matches the database. */
  private readonly loading = new AsyncMutex();
  /** The manifest state's version this receiver enforces. */
  private version = 0;
  private subscription?: Subscription;
  private followCheck?: NodeJS.Timeout;

  constructor(
    private readonly manifest: ManifestService,
    private readonly queue: QueueService,
    private readonly state: ManifestStateRepository,
    private readonly db: Db,
    private readonly feed: JobFeed,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.load();
    if (!this.db.notifications) return;
    this.subscription = this.feed.changes.subscribe((change) => {
      if (change.kind === 'manifest' && change.version > this.version) void this.follow();
    });
    this.followCheck = setInterval(() => void this.follow(), FOLLOW_CHECK_MS);
    this.followCheck.unref();
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    clearInterval(this.followCheck);
  }

  load(): Promise<ManifestLoadOutcome> {
    return this.loading.run(async () => {
      const loaded = this.manifest.read();
      if (!loaded.ok) {
        this.manifest.reject(loaded.errors);
        const error = this.manifest.lastError ?? 'manifest is not valid';
        this.told(await this.db.write((sql) => this.state.failed(sql, error)));
        return { ok: false, errors: loaded.errors, warnings: loaded.warnings };
      }
      const at = this.clock.now().toISOString();
      let version = 0;
      const applied = await this.queue.reload(loaded.manifest, async (sql) => {
        version = await this.state.loaded(sql, loaded.source ?? '', this.manifest.path, at);
      });
      const summary = `${applied.total} jobs (${applied.added} added, ${applied.updated} updated, ${applied.orphaned} orphaned)`;
      this.manifest.accept(loaded.manifest, at, summary, loaded.warnings);
      this.told(version);
      return {
        ok: true,
        result: { ...applied, warnings: loaded.warnings.map(({ path, message }) => ({ path, message })) },
      };
    });
  }

  /** This receiver now enforces `version`; the others hear of it. */
  private told(version: number): void {
    this.version = version;
    this.feed.publish({ kind: 'manifest', version });
  }

  /** Adopts what another receiver put in force, if this one is behind. */
  private follow(): Promise<void> {
    return this.loading
      .run(async () => {
        const state = await this.db.read((sql) => this.state.read(sql));
        if (state.version <= this.version) return;
        const parsed = state.source === null ? null : this.manifest.parse(state.source);
        this.manifest.adopt(parsed?.ok ? parsed.manifest : null, state.loaded_at, state.path, state.error);
        this.version = state.version;
        // Held claims may have woken before the new host policy was in force here: they try again.
        this.feed.publishRemote({ kind: 'claimable', reason: 'manifest reloaded through another receiver' });
      })
      .catch((err: Error) => this.logger.warn(`could not read the manifest other receivers loaded: ${err.message}`));
  }
}
