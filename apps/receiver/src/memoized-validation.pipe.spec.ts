import { ArgumentMetadata, BadRequestException, Type as ClassType } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  IsInt, IsOptional, IsString, Validate, ValidateNested, ValidatorConstraint, ValidatorConstraintInterface,
} from 'class-validator';
import { MemoizedValidationPipe, withRawJson } from './memoized-validation.pipe';

/** How many times a `name` was really validated. */
let checks = 0;

@ValidatorConstraint({ name: 'counted' })
class Counted implements ValidatorConstraintInterface {
  validate(): boolean {
    checks++;
    return true;
  }
}

class Inner {
  @IsInt()
  n: number;
}

class Body {
  @IsString() @Validate(Counted)
  name: string;

  @IsOptional() @IsInt()
  exit_code?: number | null;

  @IsOptional() @ValidateNested() @Type(() => Inner)
  inner?: Inner;
}

class Other {
  @IsString() @Validate(Counted)
  name: string;

  @IsInt()
  size: number;
}

const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, transform: true };
const body = (text: string) => withRawJson(JSON.parse(text) as unknown, text);
const asBody = (metatype: ClassType<unknown>): ArgumentMetadata => ({ type: 'body', metatype, data: undefined });

/** The messages of the 400 a transform answers. */
async function refusal(transform: Promise<unknown>): Promise<unknown> {
  const err = await transform.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BadRequestException);
  return (err as BadRequestException).getResponse();
}

describe('MemoizedValidationPipe', () => {
  beforeEach(() => {
    checks = 0;
  });

  it('validates a text once, then answers it from memory with a fresh instance each time', async () => {
    const pipe = new MemoizedValidationPipe(OPTIONS);
    const text = '{"name":"a","inner":{"n":1}}';
    const first = await pipe.transform(body(text), asBody(Body));
    const second = await pipe.transform(body(text), asBody(Body));
    const third = await pipe.transform(body(text), asBody(Body));
    expect(checks).toBe(1);
    for (const result of [first, second, third]) {
      expect(result).toBeInstanceOf(Body);
      expect((result as Body).inner).toBeInstanceOf(Inner);
      expect(result).toEqual(first);
    }
    expect(second).not.toBe(first);
  });

  it('never remembers an invalid text, and goes by the text, not by what it serializes to', async () => {
    const pipe = new MemoizedValidationPipe(OPTIONS);
    await pipe.transform(body('{"name":"a","exit_code":null}'), asBody(Body));
    // JSON.stringify writes 1e999 (Infinity) as null, but it is no integer.
    expect(await refusal(pipe.transform(body('{"name":"a","exit_code":1e999}'), asBody(Body)))).toMatchObject({
      message: ['exit_code must be an integer number'],
    });
    for (let i = 0; i < 2; i++) {
      expect(await refusal(pipe.transform(body('{"name":"a","extra":1}'), asBody(Body)))).toMatchObject({
        message: ['property extra should not exist'],
      });
    }
  });

  it('keeps what it learned apart for each DTO class', async () => {
    const pipe = new MemoizedValidationPipe(OPTIONS);
    await pipe.transform(body('{"name":"a"}'), asBody(Body));
    expect(await refusal(pipe.transform(body('{"name":"a"}'), asBody(Other)))).toMatchObject({
      message: ['size must be an integer number'],
    });
  });

  it('validates in full every time a body without its text, a text over the limit, or anything without transform', async () => {
    const pipe = new MemoizedValidationPipe(OPTIONS, { maxTextLength: 20, maxTexts: 10 });
    for (let i = 0; i < 2; i++) await pipe.transform({ name: 'a' }, asBody(Body));
    for (let i = 0; i < 2; i++) await pipe.transform(body('{"name":"a long enough name"}'), asBody(Body));
    const plain = new MemoizedValidationPipe({ ...OPTIONS, transform: false });
    for (let i = 0; i < 2; i++) expect(await plain.transform(body('{"name":"a"}'), asBody(Body))).toEqual({ name: 'a' });
    expect(checks).toBe(6);
  });

  it('remembers a query string by its values, and still refuses a bad one each time', async () => {
    class Query {
      @IsOptional() @IsString() @Validate(Counted)
      name?: string;
    }
    const pipe = new MemoizedValidationPipe(OPTIONS);
    const asQuery: ArgumentMetadata = { type: 'query', metatype: Query, data: undefined };
    for (let i = 0; i < 3; i++) expect(await pipe.transform({ name: 'a' }, asQuery)).toEqual(Object.assign(new Query(), { name: 'a' }));
    expect(checks).toBe(1);
    for (let i = 0; i < 2; i++) {
      expect(await refusal(pipe.transform({ name: ['a', 'b'] }, asQuery))).toMatchObject({ message: ['name must be a string'] });
    }
    // Each refusal was a full validation: nothing invalid is remembered.
    expect(checks).toBe(3);
  });

  it('forgets the oldest text once it holds as many as its limit', async () => {
    const pipe = new MemoizedValidationPipe(OPTIONS, { maxTextLength: 100, maxTexts: 2 });
    for (const name of ['a', 'b', 'c']) await pipe.transform(body(`{"name":"${name}"}`), asBody(Body));
    expect(checks).toBe(3);
    await pipe.transform(body('{"name":"c"}'), asBody(Body));
    expect(checks).toBe(3);
    await pipe.transform(body('{"name":"a"}'), asBody(Body));
    expect(checks).toBe(4);
  });
});
