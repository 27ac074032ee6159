import { Controller, Get, Header, Logger, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ManifestService, QueueService } from '@cis490/jobs';
import type { HealthView } from '@cis490/contract';
import { HealthDto } from './dto/manifest.dto';
import { MetricsService } from './metrics.service';
import { VERSION } from './version';

@ApiTags('health')
@Controller()
export class HealthController {
  private readonly logger = new Logger(HealthController.name);
  private readonly started = Date.now();

  constructor(
    private readonly queue: QueueService,
    private readonly manifest: ManifestService,
    private readonly metrics: MetricsService,
  ) {}

  @Get('v1/health')
  @ApiOperation({ summary: 'Liveness, database, manifest and job counts' })
  @ApiOkResponse({ type: HealthDto })
  @ApiServiceUnavailableResponse({ description: 'the database is unusable' })
  async health(): Promise<HealthView> {
    let counts;
    try {
      counts = await this.queue.counts();
    } catch (error) {
      this.logger.error(`health: database unusable: ${(error as Error).message}`);
      throw new ServiceUnavailableException(`database unusable: ${(error as Error).message}`);
    }
    return {
      status: 'ok',
      version: VERSION,
      uptime_s: Math.floor((Date.now() - this.started) / 1000),
      db: 'ok',
      manifest: this.manifest.status(),
      counts,
    };
  }

  @Get('metrics')
  @ApiOperation({ summary: 'Prometheus metrics (text format)' })
  @ApiOkResponse({ schema: { type: 'string' } })
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
