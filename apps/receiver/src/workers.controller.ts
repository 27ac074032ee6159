import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { WorkersService } from '@cis490/jobs';
import type { WorkerView } from '@cis490/contract';
import { WorkerListDto } from './dto/worker.dto';
import { ReadEndpoint } from './openapi/endpoint.decorators';

@ApiTags('workers')
@Controller('v1')
export class WorkersController {
  constructor(private readonly workers: WorkersService) {}

  @Get('workers')
  @ReadEndpoint()
  @ApiOperation({ summary: 'Workers seen, their capability, whether online and what they hold' })
  @ApiOkResponse({ type: WorkerListDto })
  async list(): Promise<{ workers: WorkerView[] }> {
    return { workers: await this.workers.list() };
  }
}
