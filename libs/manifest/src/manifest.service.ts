import { Inject, Injectable, Logger } from '@nestjs/common';
import { formatIssue, type ManifestIssue } from '@cis490/contract';
import { parseManifest, readManifestText } from './manifest.parser';
import type { HostSpec, Manifest, ManifestResult } from './manifest.types';

export const MANIFEST_OPTIONS = Symbol('MANIFEST_OPTIONS');

export interface ManifestOptions {
  /** The operator's TOML file (SPEC §4 `CIS490_MANIFEST`). */
  path: string;
}

/** For `/v1/health`. */
export interface ManifestStatus {
  path: string;
  loaded_at: string | null;
  jobs: number;
  error: string | null;
}

/**
 * The operator's manifest: reads and validates the file, and keeps the one in
 * force — the last that loaded without errors — with how the latest attempt
 * went. Host policy (claims, pending reasons) is looked up here.
 */
@Injectable()
export class ManifestService {
  private readonly logger = new Logger('Manifest');
  private inForce: Manifest | null = null;
  private loadedAt: string | null = null;
  /** The latest attempt's first error as one line, or null when it loaded. */
  private error: string | null = null;
  /** The text of the last manifest that loaded, and what parsing it gave. */
  private lastParsed: { source: string; result: ManifestResult } | null = null;

  constructor(@Inject(MANIFEST_OPTIONS) private readonly options: ManifestOptions) {}

  /** The operator's file this receiver loads. */
  get path(): string {
    return this.options.path;
  }

  /** The manifest in force; null until one has loaded. */
  get current(): Manifest | null {
    return this.inForce;
  }

  /**
   * The file, read and validated, with the text it was read from. Parsing is
   * a pure function of the text and most of what reloading a large manifest
   * costs, so the very text that loaded last is not parsed again.
   */
  read(): ManifestResult & { source?: string } {
    const text = readManifestText(this.options.path);
    return text.ok ? { ...this.parse(text.source), source: text.source } : text;
  }

  /** A manifest's text, validated; remembered when valid (`read`). */
  parse(source: string): ManifestResult {
    if (this.lastParsed?.source === source) return this.lastParsed.result;
    const result = parseManifest(source);
    if (result.ok) this.lastParsed = { source, result };
    return result;
  }

  /** `manifest` was applied to the queue at `at`: it is now in force. */
  accept(manifest: Manifest, at: string, summary: string, warnings: readonly ManifestIssue[]): void {
    this.inForce = manifest;
    this.loadedAt = at;
    this.error = null;
    this.logger.log(`loaded ${this.options.path}: ${summary}`);
    for (const w of warnings) this.logger.warn(formatIssue(w));
  }

  /** The file did not load; the manifest in force stays, and status() reports why. */
  reject(errors: readonly ManifestIssue[]): void {
    const [first] = errors;
    const more = errors.length > 1 ? ` (+${errors.length - 1} more)` : '';
    this.error = first ? `${formatIssue(first).split('\n', 1)[0]}${more}` : 'manifest is not valid';
    this.logger.error(`${this.options.path} not applied, serving the jobs already known: ${this.error}`);
    for (const e of errors) this.logger.error(`  ${formatIssue(e)}`);
  }

  /**
   * Another receiver sharing the database (SPEC §11) put `manifest`, read
   * from its file `path`, in force at `at`; or (`manifest` null) its last
   * reload failed with `error`. This receiver enforces the same from now on.
   */
  adopt(manifest: Manifest | null, at: string | null, path: string | null, error: string | null): void {
    if (manifest) {
      this.inForce = manifest;
      this.loadedAt = at;
      this.logger.log(`in force: the manifest another receiver loaded from ${path ?? 'its file'} (${manifest.jobs.length} jobs)`);
    }
    this.error = error;
    if (error) this.logger.error(`another receiver's reload was not applied: ${error}`);
  }

  /** The latest attempt's error as one line, or null when it loaded. */
  get lastError(): string | null {
    return this.error;
  }

  /** The `[hosts.<hostname>]` entry of the manifest in force. */
  hostFor(hostname: string): HostSpec | undefined {
    const hosts = this.inForce?.hosts;
    return hosts && Object.hasOwn(hosts, hostname) ? hosts[hostname] : undefined;
  }

  status(): ManifestStatus {
    return {
      path: this.options.path,
      loaded_at: this.loadedAt,
      jobs: this.inForce?.jobs.length ?? 0,
      error: this.error,
    };
  }
}
