import { parseReceiverUrls } from '@cis490/contract';
import { ReceiverError, ReceiverUnreachableError } from './receiver.errors';

/** What a proxy answers for the receiver behind it when that one is down: no receiver's answer. */
const GATEWAY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/**
 * Whether a request's failure means the receiver did not answer it, so that
 * another receiver may (SPEC §11): refused, reset, unresolvable, silent past
 * the timeout, or a proxy's 502/503/504. Any other answer — 2xx, 4xx, a 500 —
 * is the fleet's answer, and asking elsewhere would not change it.
 */
export function isUnanswered(err: unknown): boolean {
  return err instanceof ReceiverUnreachableError || (err instanceof ReceiverError && GATEWAY_STATUSES.has(err.status));
}

/**
 * The receivers a client may talk to, in the order given, and the one it uses
 * now. A request goes to that one first, then to each other in turn while
 * they do not answer; the first that answers becomes the one in use for
 * every later request (sticky: a receiver that came back is not preferred
 * over one that works).
 */
export class ReceiverList {
  readonly urls: readonly string[];
  private index = 0;

  /**
   * `urls`: a list, or one string of comma-separated URLs; each normalized,
   * duplicates dropped. Throws an Error naming the bad element.
   */
  constructor(urls: string | readonly string[]) {
    const list = typeof urls === 'string' ? parseReceiverUrls(urls) : [...new Set(urls.flatMap(parseReceiverUrls))];
    if (list.length === 0) throw new Error('no receiver URL given');
    this.urls = list;
  }

  /** The receiver in use. */
  get current(): string {
    return this.urls[this.index];
  }

  /** Every receiver once, the one in use first, then the others in the configured order from there. */
  inTurn(): { index: number; url: string }[] {
    const n = this.urls.length;
    const start = this.index;
    return Array.from({ length: n }, (_, i) => {
      const index = (start + i) % n;
      return { index, url: this.urls[index] };
    });
  }

  /** The receiver at `index` answered: it is the one in use from now. True when that is a change. */
  answered(index: number): boolean {
    if (index === this.index) return false;
    this.index = index;
    return true;
  }
}
