import {
  BadRequestException, Controller, Get, Headers, HttpCode, Param, PayloadTooLargeException, Put, Query, Req,
  StreamableFile, UnsupportedMediaTypeException, UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse,
  ApiOperation, ApiProduces, ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { ArtifactNotFoundError, ArtifactStore } from '@cis490/artifacts';
import { WorkerGuard } from '@cis490/auth';
import { QueueService } from '@cis490/jobs';
import type { ArtifactRecord, UploadResult } from '@cis490/contract';
import { ReceiverConfig } from './config/receiver.config';
import { ModelListDto, ModelsQueryDto, UploadResultDto } from './dto/model.dto';
import { MetricsService } from './metrics.service';

const WORKER_ID = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/;

@ApiTags('models')
@Controller('v1')
export class ModelsController {
  constructor(
    private readonly store: ArtifactStore,
    private readonly queue: QueueService,
    private readonly config: ReceiverConfig,
    private readonly metrics: MetricsService,
  ) {}

  @Put('model/:id')
  @HttpCode(201)
  @UseGuards(WorkerGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Upload a job's bundle.tar.zst, streamed and addressed by its SHA-256 (worker)" })
  @ApiConsumes('application/zstd', 'application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiHeader({ name: 'X-Worker-Id', required: true })
  @ApiHeader({ name: 'X-Content-SHA256', required: false, description: 'checked against the bytes received' })
  @ApiCreatedResponse({ type: UploadResultDto })
  async upload(
    @Param('id') id: string,
    @Headers('x-worker-id') workerId: string | undefined,
    @Headers('x-content-sha256') expectedSha256: string | undefined,
    @Headers('content-length') contentLength: string | undefined,
    @Req() request: FastifyRequest,
  ): Promise<UploadResult> {
    if (!workerId || !WORKER_ID.test(workerId)) {
      throw new BadRequestException('X-Worker-Id header must name the uploading worker');
    }
    if (expectedSha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(expectedSha256)) {
      throw new BadRequestException('X-Content-SHA256 header must be 64 hex characters');
    }
    if (contentLength !== undefined && Number(contentLength) > this.config.maxUploadBytes) {
      throw new PayloadTooLargeException(
        `bundle of ${contentLength} bytes is over the limit of ${this.config.maxUploadBytes} (CIS490_MAX_UPLOAD_BYTES)`,
      );
    }
    const body = request.body;
    if (!(body instanceof Readable)) {
      throw new UnsupportedMediaTypeException('the body must be bundle.tar.zst bytes (Content-Type: application/zstd)');
    }
    const job = await this.queue.assertUploader(id, workerId);
    const result = await this.store.receive({
      jobId: job.id, model: job.model, mode: job.mode, workerId, body, expectedSha256,
    });
    this.metrics.uploads.inc();
    this.metrics.uploadBytes.inc(result.size);
    return result;
  }

  @Get('models')
  @ApiOperation({ summary: 'Stored bundles, from the index' })
  @ApiOkResponse({ type: ModelListDto })
  list(@Query() query: ModelsQueryDto): { models: ArtifactRecord[] } {
    return { models: this.store.list(query) };
  }

  @Get('models/:sha256')
  @ApiOperation({ summary: 'Download a bundle by its SHA-256, streamed' })
  @ApiProduces('application/zstd')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  @ApiNotFoundResponse({ description: 'no bundle with this SHA-256' })
  download(@Param('sha256') sha256: string): StreamableFile {
    const found = this.store.locate(sha256);
    if (!found) throw new ArtifactNotFoundError(`no bundle with sha256 ${sha256.slice(0, 64)}`);
    return new StreamableFile(createReadStream(found.path), {
      type: 'application/zstd',
      length: found.size,
      disposition: `attachment; filename="bundle-${sha256.toLowerCase()}.tar.zst"`,
    });
  }
}
