import { Controller, Get, HttpCode, Param, Put, Query, Req, StreamableFile, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse,
  ApiOperation, ApiProduces, ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { createReadStream } from 'node:fs';
import { ArtifactNotFoundError, ArtifactStore } from '@cis490/artifacts';
import { CertificateIdentityGuard, WorkerGuard } from '@cis490/auth';
import type { ArtifactRecord, UploadResult } from '@cis490/contract';
import { ModelListDto, ModelsQueryDto, UploadResultDto } from './dto/model.dto';
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
  @UseGuards(WorkerGuard, CertificateIdentityGuard)
  @ApiBearerAuth()
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
  @ApiOperation({ summary: 'Stored bundles, from the artifact records every receiver shares' })
  @ApiOkResponse({ type: ModelListDto })
  async list(@Query() query: ModelsQueryDto): Promise<{ models: ArtifactRecord[] }> {
    return { models: await this.store.list(query) };
  }

  @Get('models/:sha256')
  @ApiOperation({ summary: 'Download a bundle by its SHA-256, streamed' })
  @ApiProduces('application/zstd')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  @ApiNotFoundResponse({ description: 'no bundle with this SHA-256' })
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
