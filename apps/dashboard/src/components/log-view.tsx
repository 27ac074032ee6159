import { useEffect, useRef, useState } from 'preact/hooks';
import { terminalSafe } from '@cis490/contract';
import { logUrl } from '../api';
import { formatBytes } from '../format';

/** A long log opens at its last bytes; the whole of it is one link away. */
const TAIL_BYTES = 512 * 1024;
/** What the page keeps of a followed log before it drops the oldest text. */
const KEEP_CHARS = 2 * 1024 * 1024;
/** A follow that ended while the attempt still looks live (a proxy cut it) is asked again after this long. */
const REFOLLOW_MS = 10_000;

function usePageVisible(): boolean {
  const [visible, setVisible] = useState(document.visibilityState === 'visible');
  useEffect(() => {
    const update = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

type Phase = 'loading' | 'following' | 'done' | 'error';

/**
 * One attempt's log. While the attempt runs and the tab is visible it follows
 * (`follow=1`, streamed with fetch); a hidden tab lets go of its connection
 * and resumes from the byte it reached.
 */
export function LogView({ jobId, attempt, size, live }: { jobId: string; attempt: number; size: number; live: boolean }) {
  const pre = useRef<HTMLPreElement>(null);
  const offset = useRef<number | null>(null);
  const [skipped, setSkipped] = useState(0);
  const [received, setReceived] = useState(0);
  const [phase, setPhase] = useState<Phase>('loading');
  const [error, setError] = useState('');
  const visible = usePageVisible();
  const follow = live && visible;

  useEffect(() => {
    offset.current = null;
    setReceived(0);
    setSkipped(0);
    if (pre.current) pre.current.textContent = '';
  }, [jobId, attempt]);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    const append = (text: string) => {
      const el = pre.current;
      if (!el || !text) return;
      const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      // A trainer's colours and progress-bar codes mean nothing here: shown, they are noise.
      el.append(terminalSafe(text, { multiline: true }));
      if ((el.textContent?.length ?? 0) > KEEP_CHARS) el.textContent = el.textContent!.slice(-KEEP_CHARS / 2);
      if (atBottom) el.scrollTop = el.scrollHeight;
    };

    const read = async () => {
      let fresh = offset.current === null;
      if (fresh) {
        offset.current = Math.max(0, size - TAIL_BYTES);
        setSkipped(offset.current);
      }
      do {
        setPhase(follow ? 'following' : 'loading');
        const res = await fetch(logUrl(jobId, { attempt, offset: offset.current!, follow: follow ? 1 : undefined }), { signal });
        if (!res.ok) throw new Error(res.status === 404 ? 'no log for this attempt' : `log: ${res.status} ${res.statusText}`);
        const reader = res.body!.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          let bytes = value;
          // Opened in the middle of the log: a character cut in two starts with continuation bytes.
          if (fresh && offset.current! > 0) {
            let i = 0;
            while (i < bytes.length && (bytes[i] & 0xc0) === 0x80) i++;
            bytes = bytes.subarray(i);
          }
          fresh = false;
          offset.current! += value.byteLength;
          setReceived(offset.current!);
          append(decoder.decode(bytes, { stream: true }));
        }
        append(decoder.decode());
        if (follow) await sleep(REFOLLOW_MS, signal);
      } while (follow && !signal.aborted);
      setPhase('done');
    };

    read().catch((err: Error) => {
      if (signal.aborted) return;
      setError(err.message);
      setPhase('error');
    });
    return () => controller.abort();
  }, [jobId, attempt, follow]);

  const empty = received === 0 && phase === 'done';
  return (
    <div class="log">
      <div class="log-bar">
        <span>
          {phase === 'following' ? (
            <span class="live-dot" title="new output appears as the trainer writes it">following</span>
          ) : phase === 'loading' ? (
            'loading…'
          ) : phase === 'error' ? (
            <span class="error-text">{error}</span>
          ) : (
            'attempt ended'
          )}
          <span class="muted"> · {formatBytes(Math.max(received, size))}</span>
          {skipped > 0 && <span class="muted"> · first {formatBytes(skipped)} not shown</span>}
        </span>
        <a href={logUrl(jobId, { attempt })} target="_blank" rel="noopener">
          full log
        </a>
      </div>
      <pre ref={pre} class="log-text" hidden={empty} tabIndex={0} aria-label={`log of attempt ${attempt}`} />
      {empty && <p class="muted log-empty">No output in this attempt's log.</p>}
    </div>
  );
}
