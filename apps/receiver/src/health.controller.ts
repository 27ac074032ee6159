import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { HealthView } from '@cis490/contract';
import { HealthDto } from './dto/manifest.dto';
import { HealthService } from './health.service';
import { MetricsService } from './metrics.service';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly metrics: MetricsService,
  ) {}

  @Get('v1/health')
  @ApiOperation({ summary: 'Liveness, database, manifest and job counts' })
  @ApiOkResponse({ type: HealthDto })
  @ApiServiceUnavailableResponse({ description: 'the database is unusable' })
  status(): Promise<HealthView> {
    return this.health.health();
  }

  @Get('metrics')
  @ApiOperation({ summary: 'Prometheus metrics (text format)' })
  @ApiOkResponse({ schema: { type: 'string' } })
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
