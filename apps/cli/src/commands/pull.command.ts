import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, CommandRunner, Help, Option } from 'nest-commander';
import { CliContext } from '../cli.context';
import { InterruptedError } from '../cli.errors';
import { defaultBundleFile, pullBundle } from '../receiver/bundle-download';
import { formatBytes } from '../output/text';

interface PullOptions {
  output?: string;
}

@Command({
  name: 'pull',
  arguments: '<sha256>',
  argsDescription: { sha256: 'the artifact\'s SHA-256, as `models` lists it' },
  description: 'download a bundle (bundle.tar.zst) from the store and verify its SHA-256',
})
export class PullCommand extends CommandRunner {
  constructor(private readonly cli: CliContext) {
    super();
  }

  async run([sha256]: string[], opts: PullOptions): Promise<void> {
    const s = this.cli.session(this.command);
    const file = outputFile(opts.output, sha256.toLowerCase());
    const interrupt = new AbortController();
    const onSigint = () => interrupt.abort(new InterruptedError(`interrupted; ${file} not written`));
    process.once('SIGINT', onSigint);
    try {
      const pulled = await pullBundle(s.client, sha256, file, {
        progress: process.stderr.isTTY ? process.stderr : undefined,
        signal: interrupt.signal,
      });
      if (s.json) this.cli.printJson(pulled);
      else this.cli.print(`${pulled.path}  ${formatBytes(pulled.size)}, sha256 ${pulled.sha256} verified`);
    } catch (err) {
      throw interrupt.signal.aborted ? interrupt.signal.reason : err;
    } finally {
      process.off('SIGINT', onSigint);
    }
  }

  @Option({ flags: '-o, --output <file>', description: 'where to write it (default ./bundle-<sha256>.tar.zst; a directory: that name in it)' })
  output(value: string): string {
    return value;
  }

  @Help('after')
  examples(): string {
    return `
The bundle is written to <file>.part and renamed once its SHA-256 matches;
on any failure nothing is left behind.

Examples:
  $ cis490-jobs pull 9b1c…e4 -o gbt-realistic.tar.zst
  $ cis490-jobs models --model gbt --json | jq -r '.models[0].sha256' | xargs cis490-jobs pull`;
  }
}

function outputFile(output: string | undefined, sha256: string): string {
  if (!output) return resolve(defaultBundleFile(sha256));
  const isDir = (() => {
    try {
      return statSync(output).isDirectory();
    } catch {
      return false;
    }
  })();
  return resolve(isDir ? join(output, defaultBundleFile(sha256)) : output);
}
