/**
 * Aborts a request that makes no progress for `ms`. Progress (`touch`) is each
 * chunk of a streamed body, so a 10 GiB upload or download is never cut off for
 * being long, only for stalling. Also follows the caller's own abort signal.
 */
export class IdleDeadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private expired = false;
  /** Set by whoever keeps using the deadline after the request returns (a streamed download). */
  retained = false;
  /** Runs just before the abort, to fail a stream with a clear error rather than a bare AbortError. */
  onTimeout?: () => void;

  constructor(
    readonly ms: number,
    private readonly parent?: AbortSignal,
  ) {
    this.timer = setTimeout(() => {
      this.expired = true;
      this.onTimeout?.();
      this.controller.abort(new Error(`no progress within ${ms} ms`));
    }, ms);
    parent?.addEventListener('abort', this.followParent, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get timedOut(): boolean {
    return this.expired;
  }

  touch(): void {
    if (!this.expired) this.timer.refresh();
  }

  clear(): void {
    clearTimeout(this.timer);
    this.parent?.removeEventListener('abort', this.followParent);
  }

  private readonly followParent = (): void => {
    this.clear();
    this.controller.abort(this.parent?.reason);
  };
}
