import { Controller, Get, HttpCode, Param, Put, Query, Req, StreamableFile } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { createReadStream } from 'node:fs';
import { ArtifactNotFoundError, ArtifactStore } from '@cis490/artifacts';
import { type ArtifactRecord, MAX_BUNDLES_PER_JOB, type UploadResult } from '@cis490/contract';
import { ModelListDto, ModelsQueryDto, UploadResultDto } from './dto/model.dto';
import { JOB, QUERY, ReadEndpoint, WorkerEndpoint } from './openapi/endpoint.decorators';
import { ValidHeaders } from './upload/valid-headers.decorator';
import { UploadHeadersDto } from './upload/upload.dto';
import { UploadService } from './upload/upload.service';

@ApiTags('models')
@Controller('v1')
export class ModelsController {
  constructor(
    private readonly uploads: UploadService,
    private readonly store: ArtifactStore,
  ) {}

  @Put('model/:id')
  @HttpCode(201)
  @WorkerEndpoint(JOB, {
    400: { description: 'X-Worker-Id or X-Content-SHA256 is missing or malformed, or the upload was cut short' },
    409: { description: `not this worker’s job, or not claimed/running, or it already holds ${MAX_BUNDLES_PER_JOB} bundles that did not complete it` },
    413: { description: 'the bundle is larger than CIS490_MAX_UPLOAD_BYTES' },
    415: { description: 'the body does not begin with the zstd magic number, or is not application/zstd or application/octet-stream' },
    422: { description: 'the bytes do not match X-Content-SHA256' },
    507: { description: 'the models dir cannot store it (disk full, read-only): nothing was kept' },
  })
  @ApiOperation({ summary: "Upload a job's bundle.tar.zst, streamed and addressed by its SHA-256 (worker)" })
  @ApiConsumes('application/zstd', 'application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiHeader({ name: 'X-Worker-Id', required: true })
  @ApiHeader({ name: 'X-Content-SHA256', required: false, description: 'checked against the bytes received' })
  @ApiCreatedResponse({ type: UploadResultDto })
  upload(
    @Param('id') id: string,
    @ValidHeaders() headers: UploadHeadersDto,
    @Req() request: FastifyRequest,
  ): Promise<UploadResult> {
    return this.uploads.receive(id, headers, request.body);
  }

  @Get('models')
  @ReadEndpoint(QUERY)
  @ApiOperation({ summary: 'Stored bundles, from the artifact records every receiver shares' })
  @ApiOkResponse({ type: ModelListDto })
  async list(@Query() query: ModelsQueryDto): Promise<{ models: ArtifactRecord[] }> {
    return { models: await this.store.list(query) };
  }

  @Get('models/:sha256')
  @ReadEndpoint({ 404: { description: 'no bundle with this SHA-256' } })
  @ApiOperation({ summary: 'Download a bundle by its SHA-256, streamed' })
  @ApiOkResponse({ description: 'the bundle.tar.zst', content: { 'application/zstd': { schema: { type: 'string', format: 'binary' } } } })
  async download(@Param('sha256') sha256: string): Promise<StreamableFile> {
    const found = await this.store.locate(sha256);
    if (!found) throw new ArtifactNotFoundError(`no bundle with sha256 ${sha256.slice(0, 64)}`);
    return new StreamableFile(createReadStream(found.path), {
      type: 'application/zstd',
      length: found.size,
      disposition: `attachment; filename="bundle-${sha256.toLowerCase()}.tar.zst"`,
    });
  }
}
