/** One validation problem, e.g. `{path: 'jobs[3].min_vram_gib', message: 'must be >= 0'}`. */
export interface ManifestIssue {
  path: string;
  message: string;
  /** 1-based, for TOML syntax errors. */
  line?: number;
  column?: number;
}

/** One issue as a line: `jobs[3].min_vram_gib: must be >= 0`, or `12:7: invalid TOML: …` for a syntax error. */
export function formatIssue(issue: ManifestIssue): string {
  const at = issue.line !== undefined ? `${issue.line}:${issue.column ?? 1}` : '';
  const where = [issue.path, at].filter(Boolean).join(' at ');
  return where ? `${where}: ${issue.message}` : issue.message;
}
