import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { ArtifactRecord, UploadResult } from '@cis490/contract';

export class UploadResultDto implements UploadResult {
  @ApiProperty() sha256: string;
  @ApiProperty() size: number;
  @ApiProperty({ example: 'gbt_realistic/3f2a…/bundle.tar.zst', description: 'relative to the models dir' })
  path: string;
  @ApiProperty({ description: 'the same bytes were already stored' }) deduplicated: boolean;
}

export class ArtifactDto implements ArtifactRecord {
  @ApiProperty() sha256: string;
  @ApiProperty() size: number;
  @ApiProperty() model: string;
  @ApiProperty() mode: string;
  @ApiProperty() job_id: string;
  @ApiProperty() worker_id: string;
  @ApiProperty({ format: 'date-time' }) uploaded_at: string;
}

export class ModelListDto {
  @ApiProperty({ type: [ArtifactDto] }) models: ArtifactDto[];
}

export class ModelsQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) model?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) mode?: string;
}
