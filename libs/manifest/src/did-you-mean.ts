/**
 * Edit distance where swapping two neighbours counts once (`depht` → `depth`),
 * as typos usually do.
 */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidate closest to `word`, when it is close enough to be a plausible
 * typo (`requre_cuda` → `require_cuda`); otherwise undefined.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  // Short words are near everything: allow fewer edits the shorter the word.
  const max = word.length <= 5 ? 1 : word.length <= 10 ? 2 : 3;
  let found: string | undefined;
  let foundDistance = max + 1;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - word.length) > max) continue;
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < foundDistance) {
      found = candidate;
      foundDistance = d;
    }
  }
  return found;
}

/** `' (did you mean x?)'` or `''`, to append to a message. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closest(word, candidates);
  return match === undefined ? '' : ` (did you mean ${match}?)`;
}
