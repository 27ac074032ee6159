import { formatIssue, type ReloadResult, terminalSafeDeep } from '@cis490/contract';
import { Palette } from '../output/colors';

export function formatReload(received: ReloadResult, colors: Palette): string {
  // What the fleet sends is shown to a person: no escape sequence of a worker's may reach the terminal.
  const r = terminalSafeDeep(received);
  const lines = [
    `manifest reloaded: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ` +
      `${r.orphaned} orphaned; ${r.total} jobs in the manifest`,
  ];
  for (const w of r.warnings) lines.push(colors.yellow(`warning: ${formatIssue(w)}`));
  return lines.join('\n');
}
