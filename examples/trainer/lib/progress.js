'use strict';

/**
 * Prints about `lines` evenly spaced progress lines over `total` steps, so a
 * long run and a short one leave a log tail of the same size.
 */
function progressEvery(total, lines = 5) {
  const step = Math.max(1, Math.ceil(total / lines));
  return (done) => done === total || done % step === 0;
}

module.exports = { progressEvery };
