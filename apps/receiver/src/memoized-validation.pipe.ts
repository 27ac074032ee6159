import { ArgumentMetadata, Type, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';

/** The JSON text a request body was parsed from: set, not enumerable, by the receiver's JSON body parser. */
export const RAW_JSON: unique symbol = Symbol('cis490.rawJson');

export interface MemoryLimits {
  /** Longer texts are not remembered: log tails and error reports, which seldom repeat. */
  maxTextLength: number;
  /** Texts remembered per DTO class; the oldest is forgotten first. */
  maxTexts: number;
}

const DEFAULT_LIMITS: MemoryLimits = { maxTextLength: 4096, maxTexts: 256 };

/** Marks a parsed JSON body with the text it came from, for `MemoizedValidationPipe`. */
export function withRawJson<T>(value: T, text: string): T {
  if (value !== null && typeof value === 'object') Object.defineProperty(value, RAW_JSON, { value: text });
  return value;
}

/**
 * Nest's ValidationPipe, remembering for each DTO class the body texts it
 * found valid. Workers send the very same claim — their id, host and
 * capability — every time they poll, and checking it again cost about as
 * much as the rest of the claim together. Validation is a pure function of
 * the class and the parsed value, and one text always parses to the same
 * value, so a text found valid before is only turned into its class again.
 * The text itself is the key, not a re-serialization: `1e999` and `null`
 * serialize alike but are not alike to a validator. It remembers only with
 * `transform` on, where what the pipe answers is that instance.
 *
 * A query string is remembered too (`?wait_s=30` on every held claim): its
 * values are strings or lists of strings, which JSON writes exactly, so its
 * serialization is as good a key as a body's text.
 */
export class MemoizedValidationPipe extends ValidationPipe {
  private readonly valid = new Map<Type<unknown>, Set<string>>();

  constructor(
    options: ValidationPipeOptions,
    private readonly limits: MemoryLimits = DEFAULT_LIMITS,
  ) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const text = metadata.type === 'query' ? queryKey(value) : rawJsonOf(value);
    const metatype = metadata.metatype;
    const rememberable =
      this.isTransformEnabled &&
      text !== undefined &&
      text.length <= this.limits.maxTextLength &&
      metatype !== undefined &&
      this.toValidate(metadata);
    if (!rememberable) return super.transform(value, metadata);
    if (this.valid.get(metatype)?.has(text)) return plainToInstance(metatype, value, this.transformOptions);
    // Throws when the body is invalid: nothing is remembered then.
    const result = await super.transform(value, metadata);
    this.remember(metatype, text);
    return result;
  }

  private remember(metatype: Type<unknown>, text: string): void {
    let texts = this.valid.get(metatype);
    if (!texts) this.valid.set(metatype, (texts = new Set()));
    // A Set iterates in insertion order: its first text is the oldest.
    if (texts.size >= this.limits.maxTexts) texts.delete(texts.values().next().value as string);
    texts.add(text);
  }
}

function queryKey(value: unknown): string | undefined {
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : undefined;
}

function rawJsonOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const text = (value as { [RAW_JSON]?: unknown })[RAW_JSON];
  return typeof text === 'string' ? text : undefined;
}
