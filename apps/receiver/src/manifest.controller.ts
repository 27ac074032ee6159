import { Controller, HttpCode, Post, UnprocessableEntityException, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { OperatorGuard } from '@cis490/auth';
import type { ReloadResult } from '@cis490/contract';
import { ManifestLoader } from '@cis490/jobs';
import { ReloadRejectedDto, ReloadResultDto } from './dto/manifest.dto';

@ApiTags('manifest')
@Controller('v1/manifest')
export class ManifestController {
  constructor(private readonly loader: ManifestLoader) {}

  @Post('reload')
  @HttpCode(200)
  @UseGuards(OperatorGuard)
  @ApiSecurity('operator')
  @ApiOperation({ summary: 'Re-read the manifest and apply it completely, or change nothing (operator)' })
  @ApiOkResponse({ type: ReloadResultDto })
  @ApiUnprocessableEntityResponse({ type: ReloadRejectedDto, description: 'every validation error; nothing changed' })
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
