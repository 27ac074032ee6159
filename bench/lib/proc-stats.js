'use strict';

const fs = require('node:fs');

/**
 * Linux clock ticks per second for /proc/<pid>/stat times: USER_HZ, which is
 * 100 on every Linux architecture Node runs on.
 */
const USER_HZ = 100;

/**
 * CPU time (user + system) a process has used, in ms, 10 ms resolution.
 * Unlike wall time it barely moves when other work shares the cores, so
 * CPU ms per request stays comparable on a busy machine.
 */
function cpuMs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

/** The resident set of a process, in bytes, from /proc (Linux). */
function rssBytes(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** Samples a process's RSS every `everyMs` until stopped; `stop()` (repeatable) answers the peak and the sample count. */
function sampleRss(pid, everyMs = 50) {
  let peak = rssBytes(pid);
  let samples = 1;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
      samples++;
    } catch {
      // the process went away; the caller sees its failure
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      try {
        peak = Math.max(peak, rssBytes(pid));
        samples++;
      } catch {
        // as above
      }
      return { peak, samples };
    },
  };
}

module.exports = { cpuMs, rssBytes, sampleRss };
