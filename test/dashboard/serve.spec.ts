import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../apps/receiver/src/dashboard/dashboard-assets';
import { Harness, startReceiver } from '../support/receiver.harness';
import { ROOT } from '../support/receiver.process';

const BUILT = join(ROOT, 'dist/dashboard');

describe('the receiver serves the dashboard (SPEC §9)', () => {
  let h: Harness;
  beforeAll(async () => {
    if (!existsSync(join(BUILT, 'index.html'))) throw new Error('dist/dashboard is missing: run npm run build first');
    h = await startReceiver('[[jobs]]\nmodel = "gbt"\nmode = "realistic"\n');
  });
  afterAll(() => h.close());

  it('finds the build from its sources as it does from dist/', () => {
    expect(packageRoot()).toBe(ROOT);
    expect(packageRoot(join(ROOT, 'dist/apps/receiver/src/dashboard'))).toBe(ROOT);
  });

  it('answers every deep link with index.html, never cached, local assets only', async () => {
    // Any other path under /dashboard/ too (a trailing slash, an old link): the app itself says what is there.
    for (const url of ['/dashboard', '/dashboard/', '/dashboard/jobs', '/dashboard/jobs/0123abcd', '/dashboard/results?model=gbt', '/dashboard/nope']) {
      const r = await h.app.inject({ method: 'GET', url });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.headers['content-security-policy']).toContain("default-src 'self'");
      expect(r.body).toContain('<div id="app">');
      // Every script and stylesheet from this receiver: nothing from a CDN.
      const refs = [...r.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) expect(ref).toMatch(/^(\/dashboard\/assets\/|data:)/);
    }
  });

  it('serves the hashed assets for a year, with their types; anything else under assets is 404', async () => {
    for (const file of readdirSync(join(BUILT, 'assets'))) {
      const r = await h.app.inject({ method: 'GET', url: `/dashboard/assets/${file}` });
      expect(r.statusCode).toBe(200);
      expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(r.headers['content-type']).toMatch(file.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
    }
    for (const url of ['/dashboard/assets/nope.js', '/dashboard/assets/..%2F..%2Fpackage.json', '/dashboard/assets/.env', '/dashboardx']) {
      expect((await h.app.inject({ method: 'GET', url })).statusCode).toBe(404);
    }
  });

  it('is not part of the API document', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/docs-json' })).json();
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/dashboard'))).toEqual([]);
  });
});
