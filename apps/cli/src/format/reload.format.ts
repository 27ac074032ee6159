import type { ReloadResult } from '@cis490/contract';
import type { ManifestIssue } from '@cis490/contract';
import { Palette } from '../output/colors';

/** `jobs[3].min_vram_gib: must be >= 0`, or `12:7: invalid TOML: …` for a syntax error. */
export function formatIssue(issue: ManifestIssue): string {
  const at = issue.line !== undefined ? `${issue.line}:${issue.column ?? 1}` : '';
  const where = [issue.path, at].filter(Boolean).join(' at ');
  return where ? `${where}: ${issue.message}` : issue.message;
}

export function formatReload(r: ReloadResult, colors: Palette): string {
  const lines = [
    `manifest reloaded: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ` +
      `${r.orphaned} orphaned; ${r.total} jobs in the manifest`,
  ];
  for (const w of r.warnings) lines.push(colors.yellow(`warning: ${formatIssue(w)}`));
  return lines.join('\n');
}
