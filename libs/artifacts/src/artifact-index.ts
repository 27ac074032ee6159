import { promises as fsp } from 'node:fs';
import { type ArtifactRecord, NAME_PATTERN, SHA256_HEX } from '@cis490/contract';

/**
 * `<models_dir>/index.jsonl`, one ArtifactRecord per line, held in memory.
 * Appends are not serialized here: the store calls `append` from one commit
 * section at a time.
 */
export class ArtifactIndex {
  private records: ArtifactRecord[] = [];
  private readonly keys = new Set<string>();
  private readonly bySha = new Map<string, ArtifactRecord[]>();
  /** Bytes of complete lines on disk: where a failed append is cut back to. */
  private bytes = 0;

  constructor(readonly file: string) {}

  /**
   * Reads the file. A crash can leave the last line torn (an append cut short);
   * that tail is cut off so the next append starts on a line of its own, and
   * nothing before it is rewritten. Unparseable lines elsewhere are skipped.
   */
  async load(): Promise<void> {
    this.records = [];
    this.keys.clear();
    this.bySha.clear();
    let buf: Buffer;
    try {
      buf = await fsp.readFile(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.bytes = 0;
        return;
      }
      throw err;
    }
    const complete = buf.lastIndexOf(0x0a) + 1;
    for (const line of buf.subarray(0, complete).toString('utf8').split('\n')) {
      const record = parseRecord(line);
      if (record) this.remember(record);
    }
    this.bytes = complete;
    if (complete < buf.length) {
      const tail = parseRecord(buf.subarray(complete).toString('utf8'));
      if (tail) {
        // Only the newline was lost: the record itself is whole.
        this.remember(tail);
        await fsp.appendFile(this.file, '\n');
        this.bytes = buf.length + 1;
      } else {
        await fsp.truncate(this.file, complete);
      }
    }
  }

  has(jobId: string, sha256: string): boolean {
    return this.keys.has(key(jobId, sha256));
  }

  /** Records in the order they were appended (newest last). */
  list(filter: { model?: string; mode?: string } = {}): ArtifactRecord[] {
    return this.records
      .filter((r) => (filter.model === undefined || r.model === filter.model) && (filter.mode === undefined || r.mode === filter.mode))
      .map((r) => ({ ...r }));
  }

  withSha(sha256: string): readonly ArtifactRecord[] {
    return this.bySha.get(sha256) ?? [];
  }

  /**
   * Appends one line unless (job_id, sha256) is already recorded; answers
   * whether it did. A failed append is cut back so the file keeps whole lines.
   */
  async append(record: ArtifactRecord): Promise<boolean> {
    if (this.has(record.job_id, record.sha256)) return false;
    const line = Buffer.from(JSON.stringify(record) + '\n', 'utf8');
    try {
      await fsp.appendFile(this.file, line);
    } catch (err) {
      await fsp.truncate(this.file, this.bytes).catch(() => undefined);
      throw err;
    }
    this.bytes += line.length;
    this.remember(record);
    return true;
  }

  private remember(record: ArtifactRecord): void {
    const k = key(record.job_id, record.sha256);
    if (this.keys.has(k)) return;
    this.keys.add(k);
    this.records.push(record);
    const same = this.bySha.get(record.sha256);
    if (same) same.push(record);
    else this.bySha.set(record.sha256, [record]);
  }
}

const key = (jobId: string, sha256: string): string => `${jobId}\n${sha256}`;

function parseRecord(line: string): ArtifactRecord | null {
  if (line.trim() === '') return null;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  const ok =
    typeof r.sha256 === 'string' && SHA256_HEX.test(r.sha256) &&
    typeof r.size === 'number' && Number.isSafeInteger(r.size) && r.size >= 0 &&
    typeof r.model === 'string' && NAME_PATTERN.test(r.model) &&
    typeof r.mode === 'string' && NAME_PATTERN.test(r.mode) &&
    typeof r.job_id === 'string' &&
    typeof r.worker_id === 'string' &&
    typeof r.uploaded_at === 'string';
  if (!ok) return null;
  return {
    sha256: r.sha256 as string,
    size: r.size as number,
    model: r.model as string,
    mode: r.mode as string,
    job_id: r.job_id as string,
    worker_id: r.worker_id as string,
    uploaded_at: r.uploaded_at as string,
  };
}
