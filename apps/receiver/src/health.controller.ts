import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HealthView } from '@cis490/contract';
import { HealthDto } from './dto/manifest.dto';
import { HealthService } from './health.service';
import { MetricsService } from './metrics.service';
import { ReadEndpoint } from './openapi/endpoint.decorators';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly metrics: MetricsService,
  ) {}

  @Get('v1/health')
  @ApiOperation({ summary: 'Liveness, database, manifest and job counts' })
  @ReadEndpoint()
  @ApiOkResponse({ type: HealthDto })
  status(): Promise<HealthView> {
    return this.health.health();
  }

  @Get('metrics')
  @ApiOperation({ summary: 'Prometheus metrics (text format)' })
  @ReadEndpoint()
  @ApiOkResponse({ description: 'the Prometheus text format, version 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } })
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
