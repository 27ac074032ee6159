import { Injectable } from '@nestjs/common';
import type { HostSpec, Manifest } from '@cis490/manifest';

/**
 * The manifest the receiver runs on: the last one that loaded without errors,
 * plus how the latest attempt went. Shared by the loader and by the services
 * that need host policy (claim, pending reasons).
 */
@Injectable()
export class ManifestState {
  manifest: Manifest | null = null;
  loadedAt: string | null = null;
  /** The latest load's first error as one line, or null when it succeeded. */
  error: string | null = null;

  hostFor(hostname: string): HostSpec | undefined {
    const hosts = this.manifest?.hosts;
    return hosts && Object.hasOwn(hosts, hostname) ? hosts[hostname] : undefined;
  }
}
