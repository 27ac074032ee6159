import { SingleBar } from 'cli-progress';
import { createHash } from 'node:crypto';
import { createWriteStream, promises as fsp } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReceiverClient } from '@cis490/client';
import { formatBytes } from '../output/text';

export interface PulledBundle {
  sha256: string;
  size: number;
  path: string;
}

/** The bytes that arrived are not the bundle that was asked for. */
export class BundleVerificationError extends Error {
  override readonly name = 'BundleVerificationError';
}

export interface PullOptions {
  /** Show a progress bar on this stream (a terminal). */
  progress?: NodeJS.WriteStream;
  /** Ctrl-C: stop, and leave nothing behind. */
  signal?: AbortSignal;
}

export const defaultBundleFile = (sha256: string): string => `bundle-${sha256}.tar.zst`;

/**
 * Streams a bundle to `<file>.part`, hashing it on the way, and renames it to `file` only
 * when its SHA-256 is the one asked for: a `file` that exists is always a whole, verified bundle.
 */
export async function pullBundle(
  client: ReceiverClient,
  sha256: string,
  file: string,
  opts: PullOptions = {},
): Promise<PulledBundle> {
  const expected = sha256.toLowerCase();
  const download = await client.downloadModel(expected, { signal: opts.signal });
  const part = `${file}.part`;
  const hash = createHash('sha256');
  let received = 0;
  const bar = opts.progress && download.size ? progressBar(opts.progress, download.size) : null;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      bar?.update(received, { done: formatBytes(received) });
      done(null, chunk);
    },
  });
  try {
    await pipeline(download.body, tap, createWriteStream(part, { mode: 0o644 }), { signal: opts.signal });
    bar?.stop();
    if (download.size !== null && received !== download.size) {
      throw new BundleVerificationError(`bundle ${expected} is incomplete: got ${received} of ${download.size} bytes`);
    }
    const actual = hash.digest('hex');
    if (actual !== expected) {
      throw new BundleVerificationError(`bundle ${expected} failed verification: its bytes hash to ${actual}`);
    }
    await fsp.rename(part, file);
    return { sha256: expected, size: received, path: file };
  } catch (err) {
    bar?.stop();
    download.body.destroy();
    await fsp.rm(part, { force: true });
    throw err;
  }
}

function progressBar(stream: NodeJS.WriteStream, size: number): SingleBar {
  const bar = new SingleBar({
    stream,
    format: '{bar} {percentage}% {done} of {total_size} ETA {eta_formatted}',
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
  });
  bar.start(size, 0, { done: formatBytes(0), total_size: formatBytes(size) });
  return bar;
}
