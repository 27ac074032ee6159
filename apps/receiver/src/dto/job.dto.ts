import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min,
  MinLength, ValidateNested,
} from 'class-validator';
import {
  ClaimRequest,
  ClaimResponse,
  CompleteRequest,
  DEFAULT_PAGE_SIZE,
  FailRequest,
  HeartbeatRequest,
  HeartbeatResponse,
  JOB_STATUSES,
  JobCounts,
  JobDetail,
  JobEvent,
  JobInput,
  JobListQuery,
  JobPage,
  JobStatus,
  JobView,
  MAX_CLAIM_WAIT_S,
  MAX_GPUS,
  MAX_MODEL_LIST,
  MAX_SLOTS,
  MAX_PAGE_SIZE,
  NAME_PATTERN,
  RequeueRequest,
  SHA256_PATTERN,
  WORKER_ID_PATTERN,
  WORKER_ID_RULE,
} from '@cis490/contract';
import { CapabilityDto, FreeGpuDto } from './capability.dto';
import { JobRunDto, ProgressPointDto } from './live.dto';
import { WorkerRequestDto } from './worker-request.dto';

const LIMIT_MESSAGE = `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`;
const WAIT_MESSAGE = `wait_s must be a whole number of seconds from 0 to ${MAX_CLAIM_WAIT_S}`;
/** The receiver keeps the last 64 KiB of a log tail; a JSON body is at most 1 MiB anyway. */
const TEXT_MAX = 1024 * 1024;

export class ClaimDto extends WorkerRequestDto implements ClaimRequest {
  @ApiProperty({ example: 'lab1', description: 'matched against [hosts.X] and allowed_hosts' })
  @IsString() @MinLength(1) @MaxLength(253)
  hostname: string;

  @ApiProperty({ type: CapabilityDto })
  @IsObject({ message: 'capability must be an object (the capability of SPEC §3)' })
  @ValidateNested() @Type(() => CapabilityDto)
  capability: CapabilityDto;

  @ApiPropertyOptional({ type: [String], example: ['gbt', 'mlp'], description: 'models this worker may train; absent = all' })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_MODEL_LIST) @Matches(NAME_PATTERN, { each: true, message: 'each of allow_jobs must be a model name' })
  allow_jobs?: string[];

  @ApiPropertyOptional({ type: [String], example: ['transformer'] })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_MODEL_LIST) @Matches(NAME_PATTERN, { each: true, message: 'each of deny_jobs must be a model name' })
  deny_jobs?: string[];

  @ApiPropertyOptional({ type: [FreeGpuDto], description: "GPUs not held by the worker's running jobs nor busy; absent = every GPU of capability.gpus" })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_GPUS)
  @ArrayUnique((gpu: FreeGpuDto) => gpu?.index, { message: 'free_gpus must have distinct indices' })
  @ValidateNested({ each: true }) @Type(() => FreeGpuDto)
  free_gpus?: FreeGpuDto[];

  @ApiPropertyOptional({ example: 2, minimum: 1, maximum: MAX_SLOTS, description: 'how many jobs the worker runs at once (default 1)' })
  @IsOptional() @IsInt() @Min(1) @Max(MAX_SLOTS)
  slots?: number;
}

export class ClaimQueryDto {
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_CLAIM_WAIT_S, default: 0, description: 'hold the claim up to this many seconds while nothing is eligible' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt({ message: WAIT_MESSAGE }) @Min(0, { message: WAIT_MESSAGE }) @Max(MAX_CLAIM_WAIT_S, { message: WAIT_MESSAGE })
  wait_s?: number;
}

export class HeartbeatDto extends WorkerRequestDto implements HeartbeatRequest {
  @ApiPropertyOptional({ description: "the tail of the trainer's output; the receiver keeps its last 64 KiB" })
  @IsOptional() @IsString() @MaxLength(TEXT_MAX)
  log_tail?: string;
}

export class CompleteDto extends WorkerRequestDto implements CompleteRequest {
  @ApiProperty({ example: 'a3f1…', description: 'sha256 of the uploaded bundle.tar.zst' })
  @IsString() @Matches(SHA256_PATTERN, { message: 'artifact_sha256 must be 64 hex characters' })
  artifact_sha256: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { test_accuracy: 0.91 } })
  @IsOptional() @IsObject()
  metrics?: Record<string, unknown>;
}

export class FailDto extends WorkerRequestDto implements FailRequest {
  @ApiProperty({ example: 'exit 1: CUDA out of memory' })
  @IsString() @MaxLength(TEXT_MAX)
  error: string;

  @ApiPropertyOptional({ example: 1 })
  @IsOptional() @IsInt() @Min(-2147483648) @Max(2147483647)
  exit_code?: number;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @MaxLength(TEXT_MAX)
  log_tail?: string;

  @ApiPropertyOptional({ description: 'back to pending while attempts remain' })
  @IsOptional() @IsBoolean()
  retryable?: boolean;

  @ApiPropertyOptional({ description: 'the worker is shutting down: pending at once, the attempt not counted' })
  @IsOptional() @IsBoolean()
  release?: boolean;
}

export class RequeueDto implements RequeueRequest {
  @ApiPropertyOptional({ description: 'also requeue a completed job' })
  @IsOptional() @IsBoolean()
  force?: boolean;
}

export class ListJobsQueryDto implements JobListQuery {
  @ApiPropertyOptional({ enum: JOB_STATUSES })
  @IsOptional() @IsIn(JOB_STATUSES, { message: `status must be one of ${JOB_STATUSES.join(', ')}` })
  status?: JobStatus;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @MaxLength(64)
  model?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @MaxLength(64)
  mode?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @MaxLength(128)
  worker_id?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value))
  @IsInt({ message: LIMIT_MESSAGE })
  @Min(1, { message: LIMIT_MESSAGE })
  @Max(MAX_PAGE_SIZE, { message: LIMIT_MESSAGE })
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional() @IsString() @MaxLength(256)
  cursor?: string;
}

/* ---- answers (documentation only: the services return these shapes) ---- */

@ApiExtraModels(ProgressPointDto)
export class JobDto implements JobView {
  @ApiProperty({ example: '3f2a9c…' }) id: string;
  @ApiProperty({ example: 'gbt' }) model: string;
  @ApiProperty({ example: 'realistic' }) mode: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) hyper: Record<string, unknown>;
  @ApiProperty() split_recipe: string;
  @ApiProperty({ type: [String] }) train_hosts: string[];
  @ApiProperty() seed: number;
  @ApiProperty({ description: 'as it takes effect: true when min_vram_gib > 0 or gpus > 0' }) require_cuda: boolean;
  @ApiProperty() prefer_cuda: boolean;
  @ApiProperty() min_vram_gib: number;
  @ApiProperty() min_ram_gib: number;
  @ApiProperty({ type: [String] }) allowed_hosts: string[];
  @ApiProperty({ example: 1, description: 'GPUs the job holds at once; 1 by default when it needs CUDA, else 0' })
  gpus: number;
  @ApiProperty() priority: number;
  @ApiProperty() max_attempts: number;
  @ApiProperty() timeout_s: number;
  @ApiProperty({ type: String, nullable: true, example: 'train-gbt', description: 'its manifest entry\'s name; a sweep names all of its points' })
  name: string | null;
  @ApiProperty({ type: [String], example: ['prep'], description: 'names of the jobs and sweeps that must be completed first' })
  after: string[];
  @ApiProperty({ type: [Number], example: [75, 137], description: 'trainer exit codes that make a fail retryable' })
  retry_on_exit_codes: number[];
  @ApiProperty({ example: 30, description: 'the n-th retry waits retry_backoff_s * 2^(n-1) s; 0 = at once' })
  retry_backoff_s: number;
  @ApiProperty({ example: 3600, description: 'the most a retry waits' }) retry_backoff_max_s: number;
  @ApiProperty({ enum: JOB_STATUSES }) status: JobStatus;
  @ApiProperty() attempts: number;
  @ApiProperty({ type: String, nullable: true }) worker_id: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) claimed_at: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) heartbeat_at: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) started_at: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) finished_at: string | null;
  @ApiProperty({ type: String, nullable: true }) artifact_sha256: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) metrics: Record<string, unknown> | null;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
  @ApiProperty({ type: Number, nullable: true }) exit_code: number | null;
  @ApiProperty({ type: String, nullable: true }) log_tail: string | null;
  @ApiProperty() in_manifest: boolean;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiProperty({ description: 'the current attempt: every claim counts, never reset; 0 before the first claim' })
  attempt: number;
  // OpenAPI 3.0's `nullable` does not reach into a $ref: null is offered as its own alternative.
  @ApiProperty({
    anyOf: [{ $ref: getSchemaPath(ProgressPointDto) }, { type: 'object', nullable: true, enum: [null] }],
    description: 'the latest progress point of the current attempt, or null',
  })
  progress: ProgressPointDto | null;
  @ApiProperty({ description: "bytes of the current attempt's log" }) log_size: number;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    description: "a pending job waiting out a retry's backoff is not claimed before this; null = claimable now",
  })
  not_before: string | null;
}

export class JobEventDto implements JobEvent {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: JOB_STATUSES, nullable: true }) from: JobStatus | null;
  @ApiProperty({ enum: JOB_STATUSES }) to: JobStatus;
  @ApiProperty({ type: String, nullable: true }) worker_id: string | null;
  @ApiProperty() reason: string;
}

export class JobDetailDto extends JobDto implements JobDetail {
  @ApiProperty({ type: [JobEventDto] }) events: JobEventDto[];
  @ApiProperty({ type: String, nullable: true, example: 'needs CUDA and no online worker has it' })
  pending_reason: string | null;
  @ApiProperty({ type: [JobRunDto], description: 'every attempt so far, oldest first' }) runs: JobRunDto[];
}

export class JobCountsDto implements JobCounts {
  @ApiProperty() pending: number;
  @ApiProperty() claimed: number;
  @ApiProperty() running: number;
  @ApiProperty() completed: number;
  @ApiProperty() failed: number;
  @ApiProperty() cancelled: number;
}

export class JobPageDto implements JobPage {
  @ApiProperty({ type: [JobDto] }) jobs: JobDto[];
  @ApiProperty({ type: JobCountsDto }) counts: JobCountsDto;
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}

export class JobInputDto implements JobInput {
  @ApiProperty() job_id: string;
  @ApiProperty({ type: String, nullable: true }) name: string | null;
  @ApiProperty() model: string;
  @ApiProperty() mode: string;
  @ApiProperty() seed: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) hyper: Record<string, unknown>;
  @ApiProperty() artifact_sha256: string;
}

export class ClaimAnswerDto implements ClaimResponse {
  @ApiProperty({ type: JobDto }) job: JobDto;
  @ApiProperty({ type: [Number], example: [0, 1], description: 'indices of the GPUs the job holds (empty when gpus = 0)' })
  gpus: number[];
  @ApiProperty({ example: 30 }) heartbeat_interval_s: number;
  @ApiProperty({ example: 600 }) stale_after_s: number;
  @ApiProperty({ type: [JobInputDto], description: 'the completed jobs this one runs after: download each bundle as its input' })
  inputs: JobInputDto[];
}

export class HeartbeatAnswerDto implements HeartbeatResponse {
  @ApiProperty({ enum: JOB_STATUSES }) status: JobStatus;
  @ApiProperty({ description: 'true (with 409) when the job is no longer this worker’s: stop the trainer' })
  cancel: boolean;
}
