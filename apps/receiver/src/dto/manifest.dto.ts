import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { HealthView, ReloadResult } from '@cis490/contract';
import { ErrorAnswerDto } from './error.dto';
import { JobCountsDto } from './job.dto';

export class ManifestIssueDto {
  @ApiProperty({ example: 'jobs[3].min_vram_gib' }) path: string;
  @ApiProperty({ example: 'must be a number >= 0' }) message: string;
  @ApiPropertyOptional({ description: '1-based, for TOML syntax errors' }) line?: number;
  @ApiPropertyOptional() column?: number;
}

export class ReloadResultDto implements ReloadResult {
  @ApiProperty() added: number;
  @ApiProperty() updated: number;
  @ApiProperty() unchanged: number;
  @ApiProperty({ description: 'all known jobs no longer in the manifest' }) orphaned: number;
  @ApiProperty({ description: 'jobs in the manifest after sweep expansion' }) total: number;
  @ApiProperty({ type: [ManifestIssueDto] }) warnings: ManifestIssueDto[];
}

export class ReloadRejectedDto extends ErrorAnswerDto {
  @ApiProperty({ example: 'manifest has 2 errors; nothing changed' }) declare message: string;
  @ApiProperty({ type: [ManifestIssueDto] }) errors: ManifestIssueDto[];
  @ApiProperty({ type: [ManifestIssueDto], description: 'what would have been warned about had it loaded' })
  warnings: ManifestIssueDto[];
}

export class ManifestStatusDto {
  @ApiProperty() path: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) loaded_at: string | null;
  @ApiProperty() jobs: number;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
}

export class HealthDto implements HealthView {
  @ApiProperty({ example: 'ok' }) status: 'ok';
  @ApiProperty({ example: '0.1.0' }) version: string;
  @ApiProperty() uptime_s: number;
  @ApiProperty({ example: 'ok' }) db: 'ok';
  @ApiProperty({ type: ManifestStatusDto }) manifest: ManifestStatusDto;
  @ApiProperty({ type: JobCountsDto }) counts: JobCountsDto;
}
