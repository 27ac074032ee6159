import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { WORKER_ID_PATTERN, WORKER_ID_RULE } from '@cis490/contract';

/** Every worker request names its worker. */
export class WorkerRequestDto {
  @ApiProperty({ example: 'lab1' })
  @IsString() @Matches(WORKER_ID_PATTERN, { message: `worker_id must be ${WORKER_ID_RULE}` })
  worker_id: string;
}
