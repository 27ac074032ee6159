import { Command, CommandRunner, Help } from 'nest-commander';
import { CliContext } from '../cli.context';
import { formatReload } from '../format/reload.format';

@Command({
  name: 'reload',
  description: 'make the receiver re-read the manifest: applied completely, or not at all (operator)',
})
export class ReloadCommand extends CommandRunner {
  constructor(private readonly cli: CliContext) {
    super();
  }

  async run(): Promise<void> {
    const s = this.cli.session(this.command, { operator: true });
    const result = await s.client.reload();
    if (s.json) this.cli.printJson(result);
    else this.cli.print(formatReload(result, s.colors));
  }

  @Help('after')
  examples(): string {
    return `
Needs CIS490_OPERATOR_TOKEN in the environment. A manifest with errors changes
nothing: each error is printed on its own line, e.g.
  cis490-jobs: jobs[3].min_vram_gib: must be >= 0
and the exit code is 1.

Examples:
  $ cis490-jobs reload
  $ cis490-jobs reload --json`;
  }
}
