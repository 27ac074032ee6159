import { ApiProperty } from '@nestjs/swagger';
import type { WorkerView } from '@cis490/contract';
import { CapabilityDto } from './capability.dto';

export class WorkerDto implements WorkerView {
  @ApiProperty() worker_id: string;
  @ApiProperty() hostname: string;
  @ApiProperty({ type: CapabilityDto }) capability: CapabilityDto;
  @ApiProperty({ format: 'date-time' }) first_seen: string;
  @ApiProperty({ format: 'date-time' }) last_seen: string;
  @ApiProperty({ description: 'seen within 3 × heartbeat_interval_s' }) online: boolean;
  @ApiProperty({ type: [String] }) current_job_ids: string[];
}

export class WorkerListDto {
  @ApiProperty({ type: [WorkerDto] }) workers: WorkerDto[];
}
