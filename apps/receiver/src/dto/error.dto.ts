import { ApiProperty } from '@nestjs/swagger';

/** Every error answer: NestJS's shape (SPEC §3). Some carry more fields, declared below. */
export class ErrorAnswerDto {
  @ApiProperty({ example: 400 }) statusCode: number;
  @ApiProperty({ example: 'Bad Request' }) error: string;
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'one sentence, or one per invalid field',
    example: ['worker_id must be a string'],
  })
  message: string | string[];
}

export class AmbiguousJobIdAnswerDto extends ErrorAnswerDto {
  @ApiProperty({ type: [String], description: 'every job id the prefix matches' }) matches: string[];
}

export class LogOffsetAnswerDto extends ErrorAnswerDto {
  @ApiProperty({ description: 'bytes of the log now: resend from there' }) size: number;
}

