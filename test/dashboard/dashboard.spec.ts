/**
 * The dashboard in a real Chromium against a real receiver process, with a
 * fake worker driving jobs over HTTP. The tests run in order on one receiver:
 * each picks up the fleet where the last one left it, as a person watching it would.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { zstd, sha256 } from '../support/bundles';
import {
  CHROMIUM, CHROMIUM_INSTALL, chromiumAvailable, launchChromium, PageWatch, screenshotDir,
} from '../support/browser';
import { call, claimOne, putBundle } from '../support/http';
import { jobsToml } from '../support/manifest.fixtures';
import { spawnReceiver, TEST_OPERATOR_TOKEN, type ReceiverProcess } from '../support/receiver.process';
import { waitFor } from '../support/wait-for';

const SWEEP_SIZE = 105;
const MANIFEST =
  jobsToml([
    { model: 'gbt', mode: 'realistic', hyper: { learning_rate: 0.1, max_depth: 6 }, priority: 5 },
    { model: 'gbt', mode: 'realistic', hyper: { learning_rate: 0.3, max_depth: 4 }, priority: 4 },
    { model: 'gbt', mode: 'oracle', hyper: { learning_rate: 0.1, max_depth: 6 }, priority: 3, max_attempts: 1 },
    { model: 'mlp', mode: 'realistic', hyper: { lr: 0.001 }, min_vram_gib: 12, priority: 2 },
  ]) +
  `\n[[sweeps]]\nmodel = "gbt"\nmode = "grid"\nseed = [${Array.from({ length: SWEEP_SIZE }, (_, i) => i).join(', ')}]\nhyper = { learning_rate = 0.05 }\n`;
const TOTAL = 4 + SWEEP_SIZE;

const available = chromiumAvailable();
if (!available) {
  process.stderr.write(`dashboard browser tests skipped: no Chromium at ${CHROMIUM}; to run them: ${CHROMIUM_INSTALL}, then npm run build\n`);
}
const describeInBrowser = available ? describe : describe.skip;

/** A worker as the receiver sees one: claims, heartbeats, writes a log and progress, completes or fails. */
class FakeWorker {
  private readonly logs = new Map<string, number>();
  constructor(
    private readonly url: string,
    readonly id: string,
  ) {}

  async claim(): Promise<any> {
    const job = await claimOne(this.url, this.id);
    await this.ok('POST', `/v1/job/${job.id}/heartbeat`, { worker_id: this.id });
    return job;
  }

  async log(jobId: string, text: string): Promise<void> {
    const offset = this.logs.get(jobId) ?? 0;
    const { size } = await this.ok('POST', `/v1/job/${jobId}/log`, { worker_id: this.id, offset, text });
    this.logs.set(jobId, size);
  }

  progress(jobId: string, points: Record<string, unknown>[]) {
    return this.ok('POST', `/v1/job/${jobId}/progress`, { worker_id: this.id, points });
  }

  async complete(jobId: string, metrics: Record<string, number>): Promise<void> {
    const bundle = zstd(`bundle of ${jobId}`);
    expect((await putBundle(this.url, jobId, this.id, bundle)).status).toBe(201);
    await this.ok('POST', `/v1/job/${jobId}/complete`, { worker_id: this.id, artifact_sha256: sha256(bundle), metrics });
  }

  fail(jobId: string, error: string) {
    return this.ok('POST', `/v1/job/${jobId}/fail`, { worker_id: this.id, error, exit_code: 1 });
  }

  private async ok(method: string, path: string, body: unknown): Promise<any> {
    const r = await call(this.url, method, path, body);
    if (r.status !== 200) throw new Error(`${method} ${path} → ${r.status}: ${JSON.stringify(r.json)}`);
    return r.json;
  }
}

/** Waits until `locator` shows `text` (the page updating itself); fails after `timeout`. */
const waitText = (locator: Locator, text: string | RegExp, timeout = 10_000) =>
  locator.filter({ hasText: text }).first().waitFor({ timeout });

/**
 * Waits until `locator` matches exactly `count` elements: rows are replaced
 * when the receiver's answer to a new filter or order arrives, a moment after
 * the URL and headers change. Fails after `timeout`, saying how many it saw.
 */
async function waitCount(locator: Locator, count: number, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let seen = await locator.count();
  while (seen !== count && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    seen = await locator.count();
  }
  expect(seen).toBe(count);
}

/** A mark the page keeps until it reloads: a change seen with it still there came live. (Strings: run in the page.) */
const markPage = (page: Page) => page.evaluate('window.__notReloaded = true');
const stillSamePage = (page: Page) => page.evaluate('window.__notReloaded === true');

describeInBrowser('the dashboard in Chromium, live against a receiver (SPEC §9)', () => {
  let rx: ReceiverProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  let shots: string;
  let labA: FakeWorker;
  let labB: FakeWorker;
  const job: Record<'a' | 'b' | 'c', any> = {} as any;

  const open = async (path: string) => {
    await page.goto(`${rx.url}${path}`);
    await page.locator('main').waitFor();
  };
  const shot = (name: string, fullPage = true) => page.screenshot({ path: join(shots, `${name}-1280x800.png`), fullPage });

  beforeAll(async () => {
    [rx, browser] = await Promise.all([spawnReceiver(MANIFEST), launchChromium()]);
    watch = new PageWatch(new URL(rx.url).origin);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    await watch.guard(context);
    page = await context.newPage();
    labA = new FakeWorker(rx.url, 'lab-a');
    labB = new FakeWorker(rx.url, 'lab-b');
    shots = screenshotDir();
    process.stdout.write(`dashboard screenshots: ${shots}\n`);
  });

  afterEach(() => {
    expect(watch.take()).toEqual({ outside: [], errors: [] });
  });

  afterAll(async () => {
    await browser?.close();
    await rx?.close();
  });

  it('the fleet at a glance changes live: counts, a worker with its job’s progress, a failure with its error', async () => {
    await open('/dashboard');
    const count = (status: string) => page.locator(`.count[data-status="${status}"] .count-value`);
    await waitText(count('pending'), String(TOTAL));
    await markPage(page);

    job.a = await labA.claim();
    await waitText(count('running'), '1');
    const worker = page.locator('[data-worker="lab-a"]');
    await waitText(worker, 'online');
    await waitText(worker.locator(`[data-job="${job.a.id}"]`), 'running');
    await labA.progress(job.a.id, [
      { step: 10, total: 100, epoch: 1, loss: 0.9 },
      { step: 40, total: 100, epoch: 2, loss: 0.6, val_accuracy: 0.71 },
    ]);
    await waitText(worker.locator('.progress-label'), '40%');

    job.b = await labB.claim();
    job.c = await labB.claim();
    await labB.fail(job.c.id, 'CUDA out of memory: tried to allocate 2.00 GiB');
    await waitText(page.locator('.failures'), 'CUDA out of memory');
    await waitText(count('failed'), '1');
    await waitText(count('running'), '2');
    expect(await count('pending').textContent()).toBe(String(TOTAL - 3));
    expect(await page.locator('[data-worker="lab-b"] .worker-cap').textContent()).toContain('CPU only');
    // Slots in use of the worker's total, and the GPUs each running job holds: none for these CPU jobs.
    await waitText(worker.locator('.worker-slots'), '1 of 1 slot in use');
    expect(await worker.locator(`[data-job="${job.a.id}"] .slot-gpus`).textContent()).toBe('CPU');
    expect(await stillSamePage(page)).toBe(true);
    await shot('fleet');
  });

  it('jobs: filters live in the URL, pages follow the API’s cursor, rows change live', async () => {
    await open('/dashboard/jobs');
    const rows = page.locator('table.jobs tbody tr');
    await waitText(page.locator('.pager'), `1–100 of ${TOTAL}`);
    await waitCount(rows, 100);
    await page.getByRole('link', { name: /Next 100/ }).click();
    await waitText(page.locator('.pager'), `101–${TOTAL} of ${TOTAL}`);
    expect(new URL(page.url()).searchParams.get('cursor')).toBeTruthy();
    await waitCount(rows, TOTAL - 100);
    await page.getByRole('button', { name: /Previous/ }).click();
    await waitText(page.locator('.pager'), `1–100 of ${TOTAL}`);

    await page.locator('select[name="status"]').selectOption('running');
    await page.waitForURL(/status=running/);
    await waitText(page.locator('.pager'), '1–2 of 2');
    await page.locator('input[name="worker_id"]').fill('lab-a');
    await page.locator('input[name="worker_id"]').press('Enter');
    await page.waitForURL(/worker_id=lab-a/);
    await rows.first().waitFor();
    await waitText(page.locator('table.jobs tbody'), job.a.id.slice(0, 8));
    await waitCount(rows, 1);
    await markPage(page);

    await labA.complete(job.a.id, { accuracy: 0.91, loss: 0.21 });
    await waitText(page.locator(`tr[data-job="${job.a.id}"]`), 'completed');
    await waitText(page.locator(`tr[data-job="${job.a.id}"]`), 'accuracy 0.91');
    expect(await stillSamePage(page)).toBe(true);

    // A deep link with filters opens them as they were.
    await open('/dashboard/jobs?model=gbt&mode=oracle');
    await waitText(page.locator('table.jobs tbody'), 'CUDA out of memory');
    expect(await page.locator('input[name="mode"]').inputValue()).toBe('oracle');
    await open('/dashboard/jobs');
    await rows.first().waitFor();
    await shot('jobs', false);
  });

  it('one job: fields, its log followed as it is written, progress charts, cancel and requeue with the operator token', async () => {
    await labB.log(job.b.id, 'loading data\nepoch 1 loss 0.88\n');
    await labB.progress(job.b.id, [
      { step: 1, total: 4, loss: 0.88, val_accuracy: 0.52 },
      { step: 2, total: 4, loss: 0.61, val_accuracy: 0.66 },
    ]);
    // Any unique prefix of 8 or more characters opens the job.
    await open(`/dashboard/jobs/${job.b.id.slice(0, 12)}`);
    await waitText(page.locator('.job-head'), 'running');
    await waitText(page.locator('.fields'), 'lab-b');
    const log = page.locator('.log-text');
    await waitText(log, 'epoch 1 loss 0.88');
    await waitText(page.locator('.log-bar'), 'following');
    await page.locator('.chart canvas').first().waitFor();
    expect(await page.locator('.chart figcaption').allTextContents()).toEqual(['loss', 'val_accuracy']);
    await markPage(page);

    await labB.log(job.b.id, 'epoch 2 loss 0.61\n');
    await waitText(log, 'epoch 2 loss 0.61');
    await labB.progress(job.b.id, [{ step: 3, total: 4, loss: 0.45, val_accuracy: 0.7 }]);
    await waitText(page.locator('.progress-label').first(), '75%');
    await shot('job');

    await page.locator('input[name="token"]').fill(TEST_OPERATOR_TOKEN);
    await page.getByRole('button', { name: 'Unlock actions' }).click();
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.getByRole('button', { name: /Cancel it/ }).click();
    await waitText(page.locator('.job-head'), 'cancelled');
    await waitText(page.locator('table.events'), 'cancelled');
    await waitText(page.locator('.log-bar'), 'attempt ended');
    expect(await page.evaluate('sessionStorage.getItem("cis490.operator-token")')).toBe(TEST_OPERATOR_TOKEN);
    await page.getByRole('button', { name: 'Requeue' }).click();
    await page.getByRole('button', { name: /Requeue: attempts back to 0/ }).click();
    await waitText(page.locator('.job-head'), 'pending');
    await waitText(page.locator('.fields'), '0 of 3');
    expect(await stillSamePage(page)).toBe(true);

    const cuda = (await call(rx.url, 'GET', '/v1/jobs?model=mlp')).json.jobs[0];
    await open(`/dashboard/jobs/${cuda.id}`);
    await waitText(page.getByTestId('pending-reason'), /CUDA/);
  });

  it('results: the leaderboard by a metric, ranked again on a click, live, and its CSV', async () => {
    const e = await labA.claim();
    await labA.complete(e.id, { accuracy: 0.87, loss: 0.34 });
    await open('/dashboard/results');
    await page.waitForURL(/model=gbt/);
    const rows = page.locator('table.results tbody tr');
    const firstRowIs = (id: string) =>
      page.locator(`table.results tbody tr:first-child[data-job="${id}"]`).waitFor({ timeout: 10_000 });
    await waitText(page.locator('table.results tbody'), e.id.slice(0, 8));
    await waitCount(rows, 2);
    expect(await rows.first().getAttribute('data-job')).toBe(job.a.id);
    expect(await page.locator('table.results thead').textContent()).toMatch(/accuracy.*loss.*Mode.*Seed.*learning_rate.*max_depth/);
    await markPage(page);

    await page.locator('th button.sort', { hasText: 'loss' }).click();
    await page.waitForURL(/metric=loss/);
    await waitText(page.locator('th[aria-sort="descending"]'), 'loss');
    // The header turns at the click; the rows once the receiver has answered in the new order.
    await firstRowIs(e.id);
    await page.locator('th button.sort', { hasText: 'loss' }).click();
    await page.waitForURL(/order=asc/);
    await waitText(page.locator('th[aria-sort="ascending"]'), 'loss');
    await firstRowIs(job.a.id);

    const f = await labA.claim();
    await labA.complete(f.id, { accuracy: 0.8, loss: 0.1 });
    await waitText(page.locator('table.results tbody'), f.id.slice(0, 8));
    expect(await rows.first().getAttribute('data-job')).toBe(f.id);
    expect(await stillSamePage(page)).toBe(true);
    await shot('results');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('results-gbt-by-loss.csv');
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
    expect(csv[0]).toBe('rank,job_id,mode,seed,learning_rate,max_depth,accuracy,loss,finished_at,worker_id,artifact_sha256');
    expect(csv.slice(1).map((line) => line.split(',')[1])).toEqual([f.id, job.a.id, e.id]);
  });

  it('many tabs share one event stream, so requests never wait for a connection', async () => {
    const tabs = await Promise.all(Array.from({ length: 7 }, () => context.newPage()));
    const events: string[] = [];
    context.on('request', (request) => request.url().includes('/v1/events') && events.push(request.url()));
    for (const tab of tabs) {
      await tab.goto(`${rx.url}/dashboard`, { timeout: 10_000 });
      await waitText(tab.locator('.stream'), 'live');
    }
    const next = await labB.claim();
    await Promise.all(tabs.map((tab) => waitText(tab.locator(`[data-worker="lab-b"] [data-job="${next.id}"]`), 'running')));
    // Seven tabs with a stream each would hold more than the 6 connections Chromium allows a host.
    await tabs[6].goto(`${rx.url}/dashboard/jobs`, { timeout: 10_000 });
    await tabs[6].locator('table.jobs tbody tr').first().waitFor({ timeout: 5000 });
    // No tab opened a stream of its own: the one there is belongs to the SharedWorker they share.
    expect(events).toEqual([]);
    await Promise.all(tabs.map((tab) => tab.close()));
  });

  it('after the receiver restarts, the page connects again and reads the fleet again, without a reload', async () => {
    await open('/dashboard');
    await waitText(page.locator('.stream'), 'live');
    await markPage(page);
    const reads: string[] = [];
    page.on('request', (request) => request.url().includes('/v1/workers') && reads.push(request.url()));
    await rx.restart();
    // The browser reconnects by itself with Last-Event-ID; the new process holds none of it: reset, read again.
    await waitText(page.locator('.stream'), 'reconnecting');
    await waitText(page.locator('.stream'), 'live', 15_000);
    await waitFor('the fleet read again', () => reads.length > 0);
    const next = await labA.claim();
    await waitText(page.locator(`[data-worker="lab-a"] [data-job="${next.id}"]`), 'running');
    expect(await stillSamePage(page)).toBe(true);
  });

  it('reads at phone width and at 1280×800 (screenshots of each view)', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await watch.guard(phone);
    const small = await phone.newPage();
    const views = {
      fleet: '/dashboard',
      jobs: '/dashboard/jobs',
      job: `/dashboard/jobs/${job.a.id}`,
      results: '/dashboard/results?model=gbt',
    };
    for (const [name, path] of Object.entries(views)) {
      await small.goto(`${rx.url}${path}`);
      await small.locator('main > *').first().waitFor();
      await small.locator('.loading').waitFor({ state: 'detached' });
      if (name === 'job') await small.locator('.chart canvas').first().waitFor();
      // Nothing wider than the screen but the tables, which scroll inside themselves.
      const overflow = await small.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      expect({ name, overflow }).toEqual({ name, overflow: 0 });
      await small.screenshot({ path: join(shots, `${name}-390x844.png`), fullPage: name !== 'jobs' });
    }
    await phone.close();
    await open(`/dashboard/jobs/${job.a.id}`);
    await page.locator('.chart canvas').first().waitFor();
    await shot('job-completed');
    await page.emulateMedia({ colorScheme: 'dark' });
    await open('/dashboard');
    await shot('fleet-dark');
    await open(`/dashboard/jobs/${job.a.id}`);
    await page.locator('.chart canvas').first().waitFor();
    await shot('job-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
