import { ApiProperty } from '@nestjs/swagger';
import type { WorkerView } from '@cis490/contract';
import { CapabilityDto } from './capability.dto';

export class CurrentJobDto {
  @ApiProperty() job_id: string;
  @ApiProperty({ type: [Number], description: 'indices of the GPUs it holds' }) gpus: number[];
}

export class WorkerDto implements WorkerView {
  @ApiProperty() worker_id: string;
  @ApiProperty() hostname: string;
  @ApiProperty({ type: CapabilityDto }) capability: CapabilityDto;
  @ApiProperty({ format: 'date-time' }) first_seen: string;
  @ApiProperty({ format: 'date-time' }) last_seen: string;
  @ApiProperty({ description: 'seen within 3 × heartbeat_interval_s' }) online: boolean;
  @ApiProperty({ type: [String] }) current_job_ids: string[];
  @ApiProperty({ example: 1, description: 'how many jobs it runs at once' }) slots: number;
  @ApiProperty({ type: [CurrentJobDto] }) current_jobs: CurrentJobDto[];
}

export class WorkerListDto {
  @ApiProperty({ type: [WorkerDto] }) workers: WorkerDto[];
}
