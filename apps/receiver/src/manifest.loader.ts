import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ManifestService } from '@cis490/jobs';

/**
 * Loads the manifest once at start. An invalid manifest does not stop the receiver:
 * it serves the jobs it has and reports the error in /v1/health.
 */
@Injectable()
export class ManifestLoader implements OnApplicationBootstrap {
  private readonly logger = new Logger('Manifest');

  constructor(private readonly manifest: ManifestService) {}

  async onApplicationBootstrap(): Promise<void> {
    const outcome = await this.manifest.load();
    if (outcome.ok) {
      const r = outcome.result;
      this.logger.log(
        `loaded ${this.manifest.status().path}: ${r.total} jobs (${r.added} added, ${r.updated} updated, ${r.orphaned} orphaned)`,
      );
      for (const w of r.warnings) this.logger.warn(`${w.path}: ${w.message}`);
    } else {
      this.logger.error(`manifest not applied, serving the jobs already known: ${this.manifest.status().error}`);
      for (const e of outcome.errors) this.logger.error(`  ${e.path || '(file)'}: ${e.message}`);
    }
  }
}
