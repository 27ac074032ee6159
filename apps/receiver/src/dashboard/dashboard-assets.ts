import { Injectable } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';

const PACKAGE_NAME = 'cis490-fleet';
/** An asset's name as Vite writes it (`index-B8TfhWQq.js`): no path, nothing to climb out with. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/**
 * The package's root: the first folder up from here whose package.json is this
 * package's, so that the receiver finds the same build from `dist/` and, in
 * tests, from its TypeScript sources.
 */
export function packageRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === PACKAGE_NAME) return dir;
    if (dirname(dir) === dir) throw new Error(`no ${PACKAGE_NAME} package.json above ${from}`);
  }
}

/** Where `npm run build` puts the web app (apps/dashboard/vite.config.mts). */
@Injectable()
export class DashboardAssets {
  readonly dir = join(packageRoot(), 'dist/dashboard');

  /** index.html, or null when the app was not built. */
  index(): Buffer | null {
    const file = join(this.dir, 'index.html');
    return existsSync(file) ? readFileSync(file) : null;
  }

  /** An asset's path and content type, or null for a name that is not one of the built files. */
  asset(name: string): { path: string; type: string } | null {
    const type = TYPES[extname(name)];
    if (!ASSET_NAME.test(name) || !type) return null;
    const path = join(this.dir, 'assets', name);
    return existsSync(path) ? { path, type } : null;
  }
}
