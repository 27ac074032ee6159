import { constants, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { type ArtifactRecord, NAME_PATTERN, SHA256_HEX } from '@cis490/contract';
import { syncDir } from './dir-sync';

const NEWLINE = 0x0a;

/**
 * `<models_dir>/index.jsonl`, one ArtifactRecord per line: the file an
 * operator reads, kept beside the records in the database. Nothing here
 * serializes writers: every call is made while the caller holds the index
 * file's row lock (see `ArtifactRecordsRepository.lockIndexFile`), which every
 * receiver sharing the models dir takes before it writes the file.
 */
export class ArtifactIndex {
  constructor(readonly file: string) {}

  /**
   * Reads the file's records and answers them with the length of its whole
   * lines. A crash can leave the last line torn (an append cut short); that
   * tail is cut off so the next line starts on a line of its own, and nothing
   * before it is rewritten. Unparseable lines elsewhere are skipped.
   */
  async load(): Promise<{ records: ArtifactRecord[]; bytes: number }> {
    let buf: Buffer;
    try {
      buf = await fsp.readFile(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], bytes: 0 };
      throw err;
    }
    const complete = buf.lastIndexOf(NEWLINE) + 1;
    const records = buf
      .subarray(0, complete)
      .toString('utf8')
      .split('\n')
      .map(parseRecord)
      .filter((r): r is ArtifactRecord => r !== null);
    if (complete === buf.length) return { records, bytes: complete };
    const tail = parseRecord(buf.subarray(complete).toString('utf8'));
    if (tail) {
      // Only the newline was lost: the record itself is whole.
      await fsp.appendFile(this.file, '\n');
      return { records: [...records, tail], bytes: buf.length + 1 };
    }
    await fsp.truncate(this.file, complete);
    return { records, bytes: complete };
  }

  /**
   * Writes `record` as the line that starts at `at` (the length the database
   * says the file's committed lines have); answers where the line starts and
   * ends. Whatever lay from `at` on is the line of a writer whose transaction
   * never committed, so it is overwritten, not appended to. A file shorter
   * than `at` was cut behind the database's back: the line then follows its
   * last whole line. Written at an explicit offset rather than in append
   * mode, which NFS does not make atomic across hosts, and synced before the
   * record commits. A failed write is cut back, so the file keeps whole lines.
   */
  async writeLine(at: number, record: ArtifactRecord): Promise<{ start: number; end: number }> {
    const line = Buffer.from(JSON.stringify(record) + '\n', 'utf8');
    // Called under the index file's lock: nobody creates the file between this look and the open.
    const created = !(await exists(this.file));
    const handle = await fsp.open(this.file, constants.O_RDWR | constants.O_CREAT, 0o644);
    let start = at;
    try {
      const { size } = await handle.stat();
      if (size < at) start = await wholeLinesEnd(handle, size);
      await handle.write(line, 0, line.length, start);
      await handle.truncate(start + line.length);
      await handle.datasync();
      // A new file's name is in the dir, not the file: without this the synced line can vanish with it.
      if (created) await syncDir(path.dirname(this.file));
      return { start, end: start + line.length };
    } catch (err) {
      await handle.truncate(start).catch(() => undefined);
      throw err;
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /** Cuts the file back to `bytes`: undoes a line whose record could not be committed. */
  async cutTo(bytes: number): Promise<void> {
    await fsp.truncate(this.file, bytes);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.stat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** The length of the whole lines among the first `size` bytes: where the last newline ends. */
async function wholeLinesEnd(handle: fsp.FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024);
  for (let end = size; end > 0; ) {
    const from = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - from, from);
    const newline = chunk.subarray(0, bytesRead).lastIndexOf(NEWLINE);
    if (newline >= 0) return from + newline + 1;
    end = from;
  }
  return 0;
}

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
