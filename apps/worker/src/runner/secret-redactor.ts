import { readFileSync } from 'node:fs';

/** What a secret becomes in anything the worker sends or logs. */
export const REDACTED = '[redacted]';
/**
 * Shorter values are not looked for: replacing every "abc" would mangle logs,
 * and the receiver refuses tokens this short anyway.
 */
const MIN_SECRET_LENGTH = 6;
/** A PEM key's base64 lines are this long; shorter ones (the last) say too little to be worth hunting. */
const MIN_KEY_LINE_LENGTH = 16;

/**
 * The second line of defence for the worker's secrets. The trainer runs
 * without them in its environment (trainerEnv), but it runs as the same user
 * and could still find one (a key file, /proc of the worker): whatever it
 * prints or reports goes to the receiver, where anyone may read a job, so
 * every known secret value is replaced in the trainer's output, log tail,
 * error and progress before any of it leaves the host.
 */
export class SecretRedactor {
  private readonly secrets: string[];

  constructor(values: Iterable<string | undefined>) {
    const kept = [...values].filter((v): v is string => typeof v === 'string' && v.length >= MIN_SECRET_LENGTH);
    // Longest first: a secret that contains another is replaced whole.
    this.secrets = [...new Set(kept)].sort((a, b) => b.length - a.length);
  }

  /**
   * The secrets of a worker: its token, an operator token or database URL
   * that its environment happens to hold, and its TLS private key's lines.
   */
  static forWorker(workerToken: string | undefined, env: NodeJS.ProcessEnv): SecretRedactor {
    return new SecretRedactor([
      workerToken,
      env.CIS490_WORKER_TOKEN?.trim(),
      env.CIS490_OPERATOR_TOKEN?.trim(),
      ...urlCredentials(env.CIS490_DATABASE_URL),
      ...keyLines(env.CIS490_TLS_KEY),
    ]);
  }

  get empty(): boolean {
    return this.secrets.length === 0;
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }

  /** Every string of a JSON value, keys included. */
  redactDeep<T>(value: T): T {
    if (this.empty) return value;
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactDeep(v)) as T;
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.redact(k), this.redactDeep(v)])) as T;
    }
    return value;
  }

  /** For text that arrives in pieces: a secret split across two pieces is still found. */
  stream(): RedactingStream {
    return new RedactingStream(this);
  }

  /** How many characters at the end of `text` could be the start of a secret still being written. */
  pendingLength(text: string): number {
    let longest = 0;
    for (const s of this.secrets) {
      for (let k = Math.min(s.length - 1, text.length); k > longest; k--) {
        if (text.endsWith(s.slice(0, k))) {
          longest = k;
          break;
        }
      }
    }
    return longest;
  }
}

/**
 * Redacts text written in pieces. What may be the first part of a secret is
 * held back until the next piece says whether it is one (almost never: a
 * piece rarely ends in a secret's first characters), or until `end()`.
 */
export class RedactingStream {
  private held = '';

  constructor(private readonly redactor: SecretRedactor) {}

  write(text: string): string {
    if (this.redactor.empty) return text;
    const all = this.redactor.redact(this.held + text);
    const keep = this.redactor.pendingLength(all);
    this.held = all.slice(all.length - keep);
    return all.slice(0, all.length - keep);
  }

  end(): string {
    const rest = this.held;
    this.held = '';
    return rest;
  }
}

/** The password of a URL, as written and decoded. */
function urlCredentials(raw: string | undefined): string[] {
  if (!raw) return [];
  try {
    const { password } = new URL(raw.trim());
    return password ? [password, decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}

/** The base64 lines of a PEM private key; none when it cannot be read (the client's TLS setup says so). */
function keyLines(file: string | undefined): string[] {
  if (!file?.trim()) return [];
  try {
    return readFileSync(file.trim(), 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l.length >= MIN_KEY_LINE_LENGTH && !l.startsWith('-----'));
  } catch {
    return [];
  }
}
