import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ResultsView } from '@cis490/contract';
import { ResultsService } from '@cis490/jobs';
import { ResultsAnswerDto, ResultsQueryDto } from './dto/live.dto';
import { QUERY, ReadEndpoint } from './openapi/endpoint.decorators';

@ApiTags('results')
@Controller('v1')
export class ResultsController {
  constructor(private readonly results: ResultsService) {}

  @Get('results')
  @ReadEndpoint(QUERY)
  @ApiOperation({ summary: "The leaderboard: one model's completed jobs ranked by a metric, jobs without it last" })
  @ApiOkResponse({ type: ResultsAnswerDto })
  list(@Query() query: ResultsQueryDto): Promise<ResultsView> {
    return this.results.results(query);
  }
}
