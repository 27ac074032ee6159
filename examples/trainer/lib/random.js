'use strict';
const crypto = require('node:crypto');

/**
 * A 32-bit seed from any JSON-able parts. Hashing (rather than adding numbers)
 * keeps streams independent: seed 1 of recipe "a" shares nothing with seed 0.
 */
function seedFrom(...parts) {
  return crypto.createHash('sha256').update(JSON.stringify(parts)).digest().readUInt32LE(0);
}

/** mulberry32: tiny, fast, and identical on every platform Node runs on. */
class Rng {
  constructor(seed) {
    this.state = seed >>> 0;
    this.spare = null;
  }

  /** Uniform in [0, 1). */
  uniform() {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A raw 32-bit word, for byte streams. */
  uint32() {
    return Math.floor(this.uniform() * 4294967296) >>> 0;
  }

  /** Standard normal (Box-Muller; the second draw is kept for the next call). */
  normal() {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Fisher-Yates, in place. */
  shuffle(array) {
    for (let i = array.length - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      const t = array[i];
      array[i] = array[j];
      array[j] = t;
    }
    return array;
  }
}

module.exports = { Rng, seedFrom };
