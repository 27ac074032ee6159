import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Min } from 'class-validator';
import { SHA256_PATTERN, WORKER_ID_PATTERN } from '@cis490/contract';

/** The headers of `PUT /v1/model/{id}` that the upload depends on (Node lowercases header names). */
export class UploadHeadersDto {
  @IsString({ message: 'X-Worker-Id header must name the uploading worker' })
  @Matches(WORKER_ID_PATTERN, { message: 'X-Worker-Id header must name the uploading worker' })
  'x-worker-id': string;

  @IsOptional()
  @Matches(SHA256_PATTERN, { message: 'X-Content-SHA256 header must be 64 hex characters' })
  'x-content-sha256'?: string;

  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt({ message: 'Content-Length header must be a whole number of bytes' })
  @Min(0, { message: 'Content-Length header must be a whole number of bytes' })
  'content-length'?: number;
}
