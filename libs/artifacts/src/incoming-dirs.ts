import { randomBytes, randomUUID } from 'node:crypto';
import { type Dirent, promises as fsp, readFileSync, readlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Where uploads are spooled: inside the models dir, so the final link/rename stays on one filesystem. */
export const INCOMING_DIR = '.incoming';

/**
 * A spool dir in which nothing has changed for this long holds no upload in
 * progress, whichever receiver made it: an upload writes its temp file as its
 * bytes arrive. The bound for dirs whose owner cannot be asked (another host,
 * another PID namespace, another boot).
 */
export const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;

/** Which kernel and which PID numbering a pid belongs to, and the process itself. */
interface Owner {
  hostname: string;
  /** The first 8 hex digits of the kernel's boot id ('0' where there is none): another boot or another machine. */
  boot: string;
  /** The PID namespace's inode ('0' where there is none): containers on one kernel number their processes apart. */
  pidNamespace: string;
  pid: number;
}

/** `<hostname>-<boot>-<pid namespace>-<pid>-<random>`, e.g. `lab-rx1-3f2a9c1b-4026531836-4242-9f3c1a2b`. */
const OWNED_NAME = /^(.+)-([0-9a-f]{8}|0)-(\d+)-(\d+)-[0-9a-f]{8}$/;

/** The spool dirs of the stores open in this process: any other dir with this process's pid is from an earlier run. */
const openHere = new Set<string>();

/**
 * `<models_dir>/.incoming/`, shared by every receiver on the models dir: each
 * receiver process spools its uploads in a dir of its own, named after the
 * process, and at start removes only the dirs it can prove abandoned (see
 * `sweep`), never another live receiver's upload in progress.
 */
export class IncomingDirs {
  readonly root: string;
  /** This process's dir, made when its first upload arrives. */
  readonly own: string;
  private readonly owner: Owner;

  constructor(modelsDir: string, private readonly now: () => number = Date.now) {
    this.root = path.join(modelsDir, INCOMING_DIR);
    this.owner = thisProcess();
    const name = `${this.owner.hostname}-${this.owner.boot}-${this.owner.pidNamespace}-${this.owner.pid}-${randomBytes(4).toString('hex')}`;
    this.own = path.join(this.root, name);
    openHere.add(name);
  }

  /**
   * Removes, at start, the temp files of the older single-receiver layout
   * (`.incoming/*.part`) and every spool dir that is provably abandoned:
   * - one of this kernel (same host name and boot id) and PID numbering
   *   (same PID namespace) whose process is gone — or whose pid is this
   *   process's, where it is not one of the stores open here (a run before
   *   this one had the same pid, as a service often does after a reboot);
   * - any dir, another host's included, in which nothing has changed for
   *   `ABANDONED_AFTER_MS`.
   * Answers the names it removed.
   */
  async sweep(): Promise<string[]> {
    let entries: Dirent[];
    try {
      entries = await fsp.readdir(this.root, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return [];
      // Something else holds the name the spool needs.
      if (code === 'ENOTDIR') {
        await fsp.rm(this.root, { force: true });
        return [INCOMING_DIR];
      }
      throw err;
    }
    const removed: string[] = [];
    for (const entry of entries) {
      const full = path.join(this.root, entry.name);
      const abandoned = entry.isDirectory()
        ? this.isOwnerGone(entry.name) || (await this.idleSince(full)) > ABANDONED_AFTER_MS
        : entry.name.endsWith('.part');
      if (!abandoned || full === this.own) continue;
      await fsp.rm(full, { recursive: true, force: true });
      removed.push(entry.name);
    }
    return removed;
  }

  /**
   * A new temp file in this process's dir. The dir is made again when it is
   * missing: another receiver may have swept it while it sat empty past the
   * idle bound, between this check and the open.
   */
  async openTemp(): Promise<{ path: string; handle: fsp.FileHandle }> {
    const file = path.join(this.own, `${randomUUID()}.part`);
    for (let attempt = 1; ; attempt++) {
      await fsp.mkdir(this.own, { recursive: true });
      try {
        return { path: file, handle: await fsp.open(file, 'wx', 0o644) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 2) throw err;
      }
    }
  }

  /** Leaves `.incoming` as it found it: removes this process's dir if no upload is left in it. */
  async close(): Promise<void> {
    openHere.delete(path.basename(this.own));
    await fsp.rmdir(this.own).catch(() => undefined);
  }

  private isOwnerGone(name: string): boolean {
    const match = OWNED_NAME.exec(name);
    if (!match) return false;
    const [, hostname, boot, pidNamespace, pidText] = match;
    const pid = Number(pidText);
    const me = this.owner;
    if (hostname !== me.hostname || boot !== me.boot || pidNamespace !== me.pidNamespace || pid <= 0) return false;
    if (pid === me.pid) return !openHere.has(name);
    return !isAlive(pid);
  }

  /** Milliseconds since anything in `dir` (the dir, or a file in it) last changed. */
  private async idleSince(dir: string): Promise<number> {
    let newest = 0;
    try {
      newest = (await fsp.stat(dir)).mtimeMs;
      for (const name of await fsp.readdir(dir)) {
        const stats = await fsp.lstat(path.join(dir, name)).catch(() => null);
        if (stats) newest = Math.max(newest, stats.mtimeMs);
      }
    } catch {
      // Gone meanwhile (another receiver swept it): nothing to remove.
      return 0;
    }
    return this.now() - newest;
  }
}

/** Signal 0 asks the kernel whether the process exists; EPERM means it does, as another user's. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function thisProcess(): Owner {
  return {
    hostname: os.hostname().replace(/[^A-Za-z0-9._-]/g, '_') || 'localhost',
    boot: readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').replace(/-/g, '').slice(0, 8), '0'),
    pidNamespace: readOr(() => /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))![1], '0'),
    pid: process.pid,
  };
}

/** Linux's /proc answers; elsewhere the fallback. */
function readOr(read: () => string, fallback: string): string {
  try {
    const value = read();
    return value || fallback;
  } catch {
    return fallback;
  }
}
