import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (which downloads no browser of its own). */
export const CHROMIUM = process.env.CIS490_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_INSTALL = 'apt-get install -y --no-install-recommends chromium fonts-liberation';

export const chromiumAvailable = (): boolean => existsSync(CHROMIUM);

/**
 * Headless, with everything that would reach outside turned off: on a closed
 * network Chromium otherwise retries its own services many times over.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: [
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * What a page did that it should not: a request to any origin but the
 * receiver's (refused before it leaves), an uncaught error, a console error.
 */
export class PageWatch {
  readonly outside: string[] = [];
  readonly errors: string[] = [];

  constructor(private readonly origin: string) {}

  /** Refuses every request of `context` that is not for the receiver. */
  async guard(context: BrowserContext): Promise<void> {
    await context.route(
      (url) => url.origin !== this.origin && url.protocol !== 'data:' && url.protocol !== 'blob:',
      (route) => {
        this.outside.push(route.request().url());
        return route.abort('blockedbyclient');
      },
    );
    context.on('page', (page) => this.watch(page));
    for (const page of context.pages()) this.watch(page);
  }

  watch(page: Page): void {
    page.on('pageerror', (error) => this.errors.push(`pageerror ${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') this.errors.push(`console ${page.url()}: ${message.text()}`);
    });
  }

  /** Clears what was seen, returning it: a test asserts it is empty. */
  take(): { outside: string[]; errors: string[] } {
    return { outside: this.outside.splice(0), errors: this.errors.splice(0) };
  }
}

/** A folder under the OS temp dir for this run's screenshots, made once and printed. */
export function screenshotDir(prefix = 'cis490-dashboard-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(dir, { recursive: true });
  return dir;
}
