import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min,
} from 'class-validator';
import {
  DEFAULT_RESULTS_LIMIT,
  JobProgress,
  JobRun,
  LogAppendRequest,
  LogAppendResponse,
  MAX_PAGE_SIZE,
  MAX_PROGRESS_BATCH,
  NAME_PATTERN,
  ProgressPoint,
  ProgressRequest,
  ProgressResponse,
  ResultRow,
  ResultsOrder,
  ResultsQuery,
  ResultsView,
} from '@cis490/contract';
import { WorkerRequestDto } from './worker-request.dto';

/** A JSON body is at most 1 MiB, so no single text can be longer. */
const TEXT_MAX = 1024 * 1024;
const ORDERS: ResultsOrder[] = ['desc', 'asc'];

/** Query strings carry numbers as text; anything else is left for the validator to name. */
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

/* ---- requests ---- */

export class LogAppendDto extends WorkerRequestDto implements LogAppendRequest {
  @ApiProperty({ example: 0, description: "byte offset (UTF-8) in the current attempt's log where text begins" })
  @IsInt({ message: 'offset must be a whole number of bytes' }) @Min(0, { message: 'offset must be 0 or more' })
  offset: number;

  @ApiProperty({ example: 'epoch 1/10 loss 0.52\n' })
  @IsString() @MaxLength(TEXT_MAX)
  text: string;
}

export class ProgressPostDto extends WorkerRequestDto implements ProgressRequest {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    minItems: 1,
    maxItems: MAX_PROGRESS_BATCH,
    example: [{ step: 120, total: 1000, epoch: 2, loss: 0.41, val_accuracy: 0.83 }],
    description: '`step`, `total`, `epoch` (numbers), `message` (string), `at` (ISO time); every other finite number is a metric',
  })
  @IsArray() @ArrayMinSize(1, { message: 'points must hold at least 1 point' })
  @ArrayMaxSize(MAX_PROGRESS_BATCH, { message: `points must hold at most ${MAX_PROGRESS_BATCH} points` })
  @IsObject({ each: true, message: 'each of points must be an object' })
  points: Record<string, unknown>[];
}

export class AttemptQueryDto {
  @ApiPropertyOptional({ minimum: 1, description: 'default: the latest attempt' })
  @IsOptional() @Transform(toInt)
  @IsInt({ message: 'attempt must be a whole number from 1' }) @Min(1, { message: 'attempt must be a whole number from 1' })
  attempt?: number;
}

export class LogQueryDto extends AttemptQueryDto {
  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'first byte to send' })
  @IsOptional() @Transform(toInt)
  @IsInt({ message: 'offset must be a whole number of bytes' }) @Min(0, { message: 'offset must be 0 or more' })
  offset?: number;

  @ApiPropertyOptional({ enum: ['0', '1'], description: '1: keep the answer open and stream new bytes until the attempt ends' })
  @IsOptional() @IsIn(['0', '1', 'true', 'false'], { message: 'follow must be 1 or 0' })
  follow?: string;
}

export class ResultsQueryDto implements ResultsQuery {
  @ApiProperty({ example: 'gbt' })
  @IsString({ message: 'model is required' }) @Matches(NAME_PATTERN, { message: 'model must be a model name' })
  model: string;

  @ApiPropertyOptional({ example: 'realistic' })
  @IsOptional() @IsString() @MaxLength(64)
  mode?: string;

  @ApiPropertyOptional({ example: 'test_accuracy', description: 'default: the first metric of the first completed job' })
  @IsOptional() @IsString() @MaxLength(128)
  metric?: string;

  @ApiPropertyOptional({ enum: ORDERS, default: 'desc' })
  @IsOptional() @IsIn(ORDERS, { message: 'order must be desc or asc' })
  order?: ResultsOrder;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_RESULTS_LIMIT })
  @IsOptional() @Transform(toInt)
  @IsInt({ message: `limit must be an integer from 1 to ${MAX_PAGE_SIZE}` })
  @Min(1, { message: `limit must be an integer from 1 to ${MAX_PAGE_SIZE}` })
  @Max(MAX_PAGE_SIZE, { message: `limit must be an integer from 1 to ${MAX_PAGE_SIZE}` })
  limit?: number;
}

/* ---- answers (documentation only) ---- */

export class ProgressPointDto implements ProgressPoint {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ type: Number, nullable: true }) step: number | null;
  @ApiProperty({ type: Number, nullable: true }) total: number | null;
  @ApiProperty({ type: Number, nullable: true }) epoch: number | null;
  @ApiProperty({ type: String, nullable: true }) message: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { loss: 0.41 } })
  values: Record<string, number>;
}

export class JobRunDto implements JobRun {
  @ApiProperty() attempt: number;
  @ApiProperty({ type: String, nullable: true }) worker_id: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) claimed_at: string | null;
  @ApiProperty() log_size: number;
  @ApiProperty() log_truncated: boolean;
  @ApiProperty() progress_points: number;
}

export class LogAppendAnswerDto implements LogAppendResponse {
  @ApiProperty({ description: 'bytes of the log now' }) size: number;
  @ApiPropertyOptional({ description: 'the log reached CIS490_MAX_LOG_BYTES; this and later text is dropped' })
  truncated?: boolean;
}

export class ProgressAnswerDto implements ProgressResponse {
  @ApiProperty() stored: number;
}

export class JobProgressDto implements JobProgress {
  @ApiProperty() attempt: number;
  @ApiProperty({ type: [ProgressPointDto] }) points: ProgressPointDto[];
}

export class ResultRowDto implements ResultRow {
  @ApiProperty() job_id: string;
  @ApiProperty() mode: string;
  @ApiProperty() seed: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) hyper: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) metrics: Record<string, unknown> | null;
  @ApiProperty({ type: String, nullable: true }) artifact_sha256: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) finished_at: string | null;
  @ApiProperty({ type: String, nullable: true }) worker_id: string | null;
}

export class ResultsAnswerDto implements ResultsView {
  @ApiProperty() model: string;
  @ApiProperty({ type: String, nullable: true }) metric: string | null;
  @ApiProperty({ enum: ORDERS }) order: ResultsOrder;
  @ApiProperty({ type: [ResultRowDto] }) results: ResultRowDto[];
}
