import { Command, CommandRunner, Help, Option } from 'nest-commander';
import { CliContext } from '../cli.context';
import { formatModels } from '../format/models.format';
import { parseName } from '../option-values';

interface ModelsOptions {
  model?: string;
  mode?: string;
}

@Command({ name: 'models', description: 'trained artifacts (bundles) in the receiver\'s store' })
export class ModelsCommand extends CommandRunner {
  constructor(private readonly cli: CliContext) {
    super();
  }

  async run(_args: string[], opts: ModelsOptions): Promise<void> {
    const s = this.cli.session(this.command);
    const answer = await s.client.models({ model: opts.model, mode: opts.mode });
    if (s.json) this.cli.printJson(answer);
    else this.cli.print(formatModels(answer.models, s.colors, s.now));
  }

  @Option({ flags: '--model <model>', description: 'only artifacts of this model' })
  model(value: string): string {
    return parseName('--model', value);
  }

  @Option({ flags: '--mode <mode>', description: 'only artifacts of this mode' })
  mode(value: string): string {
    return parseName('--mode', value);
  }

  @Help('after')
  examples(): string {
    return `
Examples:
  $ cis490-jobs models --model gbt
  $ cis490-jobs models --json | jq -r '.models[].sha256'`;
  }
}
