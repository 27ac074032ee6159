import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { WorkersService } from '../../../libs/jobs/src';
import type { WorkerView } from '../../../libs/jobs/src/job.types';
import { WorkerListDto } from './dto/worker.dto';

@ApiTags('workers')
@Controller('v1')
export class WorkersController {
  constructor(private readonly workers: WorkersService) {}

  @Get('workers')
  @ApiOperation({ summary: 'Workers seen, their capability, whether online and what they hold' })
  @ApiOkResponse({ type: WorkerListDto })
  async list(): Promise<{ workers: WorkerView[] }> {
    return { workers: await this.workers.list() };
  }
}
