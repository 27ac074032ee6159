import { promises as fsp } from 'node:fs';

/**
 * fsyncs a directory, making the names created in it (a linked bundle, a new
 * dir, a new file) survive a power cut: fsyncing a file makes its bytes
 * durable, not the entry that names it. Windows cannot open a directory for
 * this and NTFS journals names itself, so there it is nothing.
 */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
