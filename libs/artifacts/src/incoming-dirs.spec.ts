import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ABANDONED_AFTER_MS, IncomingDirs } from './incoming-dirs';

const HOUR_MS = 60 * 60 * 1000;

/** The pid of a process that has exited (reaped, so nothing answers to it). */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  return pid!;
}

describe('IncomingDirs: each receiver spools in a dir of its own and sweeps only abandoned ones', () => {
  let modelsDir: string;
  let root: string;
  let dirs: IncomingDirs;
  let live: ChildProcess;
  /** `<hostname>-<boot>-<pid namespace>-`: what this host's spool dirs begin with. */
  let hostPrefix: string;

  const nameFor = (pid: number, prefix = hostPrefix) => `${prefix}${pid}-0123abcd`;
  const makeDir = (name: string, files: Record<string, string> = {}) => {
    fs.mkdirSync(path.join(root, name), { recursive: true });
    for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(root, name, file), content);
  };
  /** Sets the mtime of `name` (under .incoming) and of everything in it to `agoMs` before now. */
  const age = (name: string, agoMs: number) => {
    const when = new Date(Date.now() - agoMs);
    const dir = path.join(root, name);
    if (fs.statSync(dir).isDirectory()) for (const f of fs.readdirSync(dir)) fs.utimesSync(path.join(dir, f), when, when);
    fs.utimesSync(dir, when, when);
  };
  const left = () => (fs.existsSync(root) ? fs.readdirSync(root).sort() : []);

  beforeEach(() => {
    modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cis490-incoming-'));
    root = path.join(modelsDir, '.incoming');
    dirs = new IncomingDirs(modelsDir);
    hostPrefix = path.basename(dirs.own).replace(/\d+-[0-9a-f]{8}$/, '');
    live = spawn('sleep', ['60'], { stdio: 'ignore' });
  });
  afterEach(async () => {
    live.kill();
    await dirs.close();
    fs.rmSync(modelsDir, { recursive: true, force: true });
  });

  it('names its own dir after this host, boot, PID namespace and pid, and makes it at the first temp file', async () => {
    const hostname = os.hostname().replace(/[^A-Za-z0-9._-]/g, '_');
    expect(path.basename(dirs.own)).toMatch(new RegExp(`^${hostname.replace(/\./g, '\\.')}-([0-9a-f]{8}|0)-\\d+-${process.pid}-[0-9a-f]{8}$`));
    expect(fs.existsSync(dirs.own)).toBe(false);
    const tmp = await dirs.openTemp();
    await tmp.handle.close();
    expect(path.dirname(tmp.path)).toBe(dirs.own);
    expect(tmp.path).toMatch(/\.part$/);
  });

  it('removes the dir of a process of this host that is gone, and keeps a live one', async () => {
    const dead = nameFor(deadPid());
    const alive = nameFor(live.pid!);
    makeDir(dead, { 'a.part': 'half an upload' });
    makeDir(alive, { 'b.part': 'an upload in progress' });

    expect(await dirs.sweep()).toEqual([dead]);
    expect(left()).toEqual([alive]);
    expect(fs.readFileSync(path.join(root, alive, 'b.part'), 'utf8')).toBe('an upload in progress');
  });

  it("removes a dir with this process's pid unless a store open in this process owns it", async () => {
    const earlierRun = nameFor(process.pid);
    makeDir(earlierRun, { 'c.part': 'x' });
    const sibling = new IncomingDirs(modelsDir);
    await (await sibling.openTemp()).handle.close();
    try {
      expect(await dirs.sweep()).toEqual([earlierRun]);
      expect(left()).toEqual([path.basename(sibling.own)]);
    } finally {
      await sibling.close();
    }
  });

  it('leaves another host, another PID namespace and an unknown name alone until nothing in them changed for the bound', async () => {
    const otherHost = nameFor(deadPid(), 'lab-rx2-0badc0de-4026531836-');
    const otherNamespace = nameFor(deadPid(), hostPrefix.replace(/-\d+-$/, '-1-'));
    const unknown = 'not-a-spool-dir';
    for (const name of [otherHost, otherNamespace, unknown]) makeDir(name, { 'd.part': 'bytes' });
    age(otherHost, ABANDONED_AFTER_MS - HOUR_MS);
    expect(await dirs.sweep()).toEqual([]);
    expect(left()).toEqual([otherHost, otherNamespace, unknown].sort());

    for (const name of [otherHost, otherNamespace, unknown]) age(name, ABANDONED_AFTER_MS + HOUR_MS);
    expect((await dirs.sweep()).sort()).toEqual([otherHost, otherNamespace, unknown].sort());
    expect(left()).toEqual([]);
  });

  it('judges idleness by the newest file in a dir: an old dir whose upload is still being written stays', async () => {
    const otherHost = nameFor(4242, 'lab-rx2-0badc0de-4026531836-');
    makeDir(otherHost, { 'e.part': 'old bytes' });
    age(otherHost, 3 * ABANDONED_AFTER_MS);
    fs.appendFileSync(path.join(root, otherHost, 'e.part'), 'bytes arriving now');
    expect(await dirs.sweep()).toEqual([]);
    expect(left()).toEqual([otherHost]);
  });

  it('removes the flat temp files of the single-receiver layout, and a file where .incoming belongs', async () => {
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, '5b1f0c9e-7d1e-4c1e-9d7e-3b0f2a1c4d5e.part'), 'older layout');
    fs.writeFileSync(path.join(root, 'NOTES'), 'an operator note');
    expect(await dirs.sweep()).toEqual(['5b1f0c9e-7d1e-4c1e-9d7e-3b0f2a1c4d5e.part']);
    expect(left()).toEqual(['NOTES']);

    fs.rmSync(root, { recursive: true });
    fs.writeFileSync(root, 'not a directory');
    expect(await dirs.sweep()).toEqual(['.incoming']);
    expect(fs.existsSync(root)).toBe(false);
  });

  it('makes its dir again when another receiver swept it, and on close removes it only when empty', async () => {
    await (await dirs.openTemp()).handle.close();
    fs.rmSync(dirs.own, { recursive: true });
    const again = await dirs.openTemp();
    await again.handle.close();
    expect(fs.existsSync(again.path)).toBe(true);

    await dirs.close();
    expect(fs.existsSync(dirs.own)).toBe(true);
    fs.rmSync(again.path);
    await dirs.close();
    expect(fs.existsSync(dirs.own)).toBe(false);
  });
});
