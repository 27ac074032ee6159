import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { ManifestIssue, ReloadResult } from '@cis490/contract';
import { AsyncMutex } from '@cis490/db';
import { ManifestService } from '@cis490/manifest';
import { Clock } from './clock';
import { QueueService } from './queue.service';

export type ManifestLoadOutcome =
  { ok: true; result: ReloadResult } | { ok: false; errors: ManifestIssue[]; warnings: ManifestIssue[] };

/**
 * Puts the operator's manifest in force: at start, and on every reload. A
 * manifest with errors changes nothing: the receiver keeps serving the hosts
 * and jobs it had, and reports why in `/v1/health`.
 */
@Injectable()
export class ManifestLoader implements OnApplicationBootstrap {
  /** Two reloads at once apply in order, so the manifest in force matches the database. */
  private readonly loading = new AsyncMutex();

  constructor(
    private readonly manifest: ManifestService,
    private readonly queue: QueueService,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.load();
  }

  load(): Promise<ManifestLoadOutcome> {
    return this.loading.run(async () => {
      const loaded = this.manifest.read();
      if (!loaded.ok) {
        this.manifest.reject(loaded.errors);
        return { ok: false, errors: loaded.errors, warnings: loaded.warnings };
      }
      const applied = await this.queue.reload(loaded.manifest);
      const summary = `${applied.total} jobs (${applied.added} added, ${applied.updated} updated, ${applied.orphaned} orphaned)`;
      this.manifest.accept(loaded.manifest, this.clock.now().toISOString(), summary, loaded.warnings);
      return {
        ok: true,
        result: { ...applied, warnings: loaded.warnings.map(({ path, message }) => ({ path, message })) },
      };
    });
  }
}
