import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'shell-quote';

/** Interpreters whose first argument is the trainer's script, which self-test also checks. */
const INTERPRETERS = /^(node|nodejs|python[0-9.]*|bash|sh|Rscript|julia|ruby|perl)(\.exe)?$/i;

/**
 * Splits `CIS490_TRAINER_CMD` into an argv the way a shell would (quotes,
 * backslashes, `$VAR` from `env`) without running one: pipes, redirections,
 * globs and comments are refused rather than silently taken as words.
 */
export function parseTrainerCommand(command: string, env: NodeJS.ProcessEnv): string[] {
  const unset: string[] = [];
  const words = parse(command, (name: string) => {
    const value = env[name];
    if (value === undefined) unset.push(name);
    return value ?? '';
  });
  if (unset.length) throw new Error(`$${unset[0]} is not set`);
  const argv: string[] = [];
  for (const word of words) {
    if (typeof word === 'string') argv.push(word);
    else if ('comment' in word) throw new Error('comments (#) are not allowed');
    else if (word.op === 'glob') throw new Error(`glob ${word.pattern} is not allowed (no shell runs the trainer)`);
    else throw new Error(`shell operator ${word.op} is not allowed (no shell runs the trainer)`);
  }
  if (argv.length === 0) throw new Error('is empty');
  return argv;
}

/** The script an interpreter runs (`node train.js` → `train.js`), or null. */
export function trainerScript(argv: readonly string[]): string | null {
  if (argv.length < 2 || !INTERPRETERS.test(path.basename(argv[0]))) return null;
  const script = argv[1];
  return script.startsWith('-') ? null : script;
}

/**
 * The trainer runs with the job's dir as cwd, so relative paths written by the
 * operator (from where the worker starts) are made absolute against `cwd`:
 * the program when it names a path, and an interpreter's script when it exists.
 */
export function resolveTrainerArgv(argv: readonly string[], cwd: string): string[] {
  const resolved = [...argv];
  if (resolved[0].includes('/') || resolved[0].includes(path.sep)) resolved[0] = path.resolve(cwd, resolved[0]);
  const script = trainerScript(resolved);
  if (script !== null && !path.isAbsolute(script) && existsSync(path.resolve(cwd, script))) {
    resolved[1] = path.resolve(cwd, script);
  }
  return resolved;
}

/** The dir whose git commit the capability reports: the script's, else the program's. */
export function trainerCheckout(argv: readonly string[]): string | undefined {
  if (argv.length === 0) return undefined;
  const script = trainerScript(argv);
  if (script !== null) return path.dirname(path.resolve(script));
  return argv[0].includes('/') ? path.dirname(argv[0]) : undefined;
}
