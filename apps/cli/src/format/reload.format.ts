import { formatIssue, type ReloadResult } from '@cis490/contract';
import { Palette } from '../output/colors';

export function formatReload(r: ReloadResult, colors: Palette): string {
  const lines = [
    `manifest reloaded: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ` +
      `${r.orphaned} orphaned; ${r.total} jobs in the manifest`,
  ];
  for (const w of r.warnings) lines.push(colors.yellow(`warning: ${formatIssue(w)}`));
  return lines.join('\n');
}
