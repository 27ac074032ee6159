import { Controller, HttpCode, Post, UnprocessableEntityException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ReloadResult } from '@cis490/contract';
import { ManifestLoader } from '@cis490/jobs';
import { ReloadRejectedDto, ReloadResultDto } from './dto/manifest.dto';
import { OperatorEndpoint } from './openapi/endpoint.decorators';

@ApiTags('manifest')
@Controller('v1/manifest')
export class ManifestController {
  constructor(private readonly loader: ManifestLoader) {}

  @Post('reload')
  @HttpCode(200)
  @OperatorEndpoint({ 422: { type: ReloadRejectedDto, description: 'every validation error; nothing changed' } })
  @ApiOperation({ summary: 'Re-read the manifest and apply it completely, or change nothing (operator)' })
  @ApiOkResponse({ type: ReloadResultDto })
  async reload(): Promise<ReloadResult> {
    const outcome = await this.loader.load();
    if (outcome.ok) return outcome.result;
    const n = outcome.errors.length;
    throw new UnprocessableEntityException({
      statusCode: 422,
      error: 'Unprocessable Entity',
      message: `manifest has ${n} error${n === 1 ? '' : 's'}; nothing changed`,
      errors: outcome.errors,
      warnings: outcome.warnings,
    });
  }
}
