'use strict';

/**
 * A trainer that prints `CHATTY_BYTES_PER_S` bytes a second (16 writes a
 * second, lines of printable text) for `CHATTY_SECONDS`, writes one progress
 * point per write, then writes its outputs and exits 0. Its log is the load.
 */
const fs = require('node:fs');
const path = require('node:path');

const outDir = process.argv[process.argv.indexOf('--out-dir') + 1];
const perSecond = Number(process.env.CHATTY_BYTES_PER_S ?? 1024 * 1024);
const seconds = Number(process.env.CHATTY_SECONDS ?? 10);
const ticks = seconds * 16;
const line = (i) => `step ${String(i).padStart(8, '0')} ${'lorem ipsum dolor sit amet '.repeat(3)}\n`;
const chunkBytes = Math.round(perSecond / 16);

let tick = 0;
let n = 0;
const timer = setInterval(() => {
  let chunk = '';
  while (chunk.length < chunkBytes) chunk += line(n++);
  process.stdout.write(chunk.slice(0, chunkBytes));
  if (process.env.CIS490_PROGRESS_FILE) {
    fs.appendFileSync(process.env.CIS490_PROGRESS_FILE, `${JSON.stringify({ step: tick, total: ticks, loss: 1 / (tick + 1) })}\n`);
  }
  if (++tick < ticks) return;
  clearInterval(timer);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'metrics.json'), JSON.stringify({ printed_bytes: ticks * chunkBytes }));
}, 1000 / 16);
