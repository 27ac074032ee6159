'use strict';

const fs = require('node:fs');

/** Debian's Chromium, as the browser tests drive it (test/support/browser.ts); null when it is not installed. */
async function launchChromium() {
  const executablePath = process.env.CIS490_CHROMIUM ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) return null;
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath,
    headless: true,
    chromiumSandbox: false,
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

module.exports = { launchChromium };
