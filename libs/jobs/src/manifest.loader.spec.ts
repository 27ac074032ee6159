import * as fs from 'node:fs';
import * as path from 'node:path';
import { JobsHarness, startJobs } from '../../../test/support/jobs.testing';

const VALID = `
[defaults]
max_attempts = 2

[hosts.labpi]
cuda = false
ram_gib = 8
deny_jobs = ["mlp"]

[[jobs]]
model = "gbt"
mode = "realistic"
hyper = { n_estimators = 200 }

[[sweeps]]
model = "mlp"
mode = ["oracle", "realistic"]
seed = [0, 1]
`;

describe('ManifestLoader', () => {
  let h: JobsHarness;
  let manifestPath: string;
  beforeEach(async () => {
    h = await startJobs();
    manifestPath = h.manifest.status().path;
  });
  afterEach(() => h.close());

  const write = (text: string) => fs.writeFileSync(manifestPath, text);

  it('loads the TOML file, applies it, and reports it in status()', async () => {
    write(VALID);
    const outcome = await h.loader.load();
    // The only declared host denies mlp: a warning, carried into the result, not an error.
    expect(outcome).toEqual({
      ok: true,
      result: {
        added: 5,
        updated: 0,
        unchanged: 0,
        orphaned: 0,
        total: 5,
        warnings: [{ path: 'sweeps[0]', message: expect.stringContaining('no declared host can run it') }],
      },
    });
    expect(h.manifest.status()).toEqual({
      path: manifestPath,
      loaded_at: h.clock.now().toISOString(),
      jobs: 5,
      error: null,
    });
    expect(h.manifest.hostFor('labpi')).toMatchObject({ cuda: false, ram_gib: 8, deny_jobs: ['mlp'] });
    expect(h.manifest.hostFor('constructor')).toBeUndefined();
    const page = await h.queue.list({});
    expect(page.jobs.map((j) => [j.model, j.mode, j.seed, j.max_attempts])).toEqual([
      ['gbt', 'realistic', 0, 2],
      ['mlp', 'oracle', 0, 2],
      ['mlp', 'oracle', 1, 2],
      ['mlp', 'realistic', 0, 2],
      ['mlp', 'realistic', 1, 2],
    ]);
    expect((await h.loader.load()).ok).toBe(true);
    expect(await h.queue.counts()).toMatchObject({ pending: 5 });
  });

  it('keeps the previous jobs and hosts when the new manifest is invalid, and reports the first error', async () => {
    write(VALID);
    await h.loader.load();
    const loadedAt = h.manifest.status().loaded_at;
    h.clock.advance(60);
    write(`${VALID}\n[[jobs]]\nmodel = "gbt"\nmode = "x"\nrequre_cuda = true\nmin_ram_gib = -1\n`);
    const outcome = await h.loader.load();
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors.length).toBeGreaterThanOrEqual(2);
    const status = h.manifest.status();
    expect(status).toMatchObject({ loaded_at: loadedAt, jobs: 5 });
    expect(status.error).toMatch(/^jobs\[1\]\.\S+: .+ \(\+\d+ more\)$/);
    expect(h.manifest.hostFor('labpi')).toBeDefined();
    expect((await h.queue.counts()).pending).toBe(5);
    write(VALID);
    expect((await h.loader.load()).ok).toBe(true);
    expect(h.manifest.status().error).toBeNull();
  });

  it('parses the text that loaded last only once, however often it is reloaded, and any other text anew', async () => {
    const state = h.manifest;
    write(VALID);
    await h.loader.load();
    const first = state.current;
    const again = await h.loader.load();
    expect(again).toMatchObject({ ok: true, result: { added: 0, unchanged: 5, total: 5, warnings: [expect.anything()] } });
    expect(state.current).toBe(first);
    // The same jobs in other text: parsed again.
    write(`# edited\n${VALID}`);
    expect(await h.loader.load()).toMatchObject({ ok: true, result: { added: 0, unchanged: 5 } });
    expect(state.current).not.toBe(first);
    expect(state.current).toEqual(first);
    // A failed load in between does not make the last good text's parse stale.
    const edited = state.current;
    write('[[jobs]\n');
    expect((await h.loader.load()).ok).toBe(false);
    write(`# edited\n${VALID}`);
    expect((await h.loader.load()).ok).toBe(true);
    expect(state.current).toBe(edited);
  });

  it('reports an unreadable file as an error without touching the queue', async () => {
    fs.rmSync(manifestPath, { force: true });
    const outcome = await h.loader.load();
    expect(outcome.ok).toBe(false);
    expect(h.manifest.status()).toMatchObject({ loaded_at: null, jobs: 0 });
    expect(h.manifest.status().error).toContain(path.basename(manifestPath));
  });
});
