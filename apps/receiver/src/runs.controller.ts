import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  type JobProgress,
  LOG_ATTEMPT_HEADER,
  LOG_SIZE_HEADER,
  type LogAppendResponse,
  type ProgressResponse,
} from '@cis490/contract';
import { RunsService } from '@cis490/jobs';
import {
  AttemptQueryDto, JobProgressDto, LogAppendAnswerDto, LogAppendDto, LogQueryDto, ProgressAnswerDto, ProgressPostDto,
} from './dto/live.dto';
import { LogOffsetAnswerDto } from './dto/error.dto';
import { JOB, QUERY, ReadEndpoint, WorkerEndpoint } from './openapi/endpoint.decorators';

const TEXT = 'text/plain; charset=utf-8';
const NO_ATTEMPT = { 404: { description: 'no such job or attempt' } };
const text = (reply: FastifyReply) => reply.header('content-type', TEXT).header('cache-control', 'no-cache');

/** Logs and progress of a job's attempts (SPEC §9). */
@ApiTags('logs and progress')
@Controller('v1/job/:id')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  @Post('log')
  @HttpCode(200)
  @WorkerEndpoint(JOB, { 409: { description: 'not this worker’s job, or not claimed/running' } }, {
    409: { type: LogOffsetAnswerDto, description: 'offset past the log’s size: resend from `size`' },
  })
  @ApiOperation({ summary: "Append to the current attempt's log at a byte offset (worker)" })
  @ApiOkResponse({ type: LogAppendAnswerDto, description: 'bytes before the current size are skipped: a resend adds nothing' })
  appendLog(@Param('id') id: string, @Body() dto: LogAppendDto): Promise<LogAppendResponse> {
    return this.runs.appendLog(id, dto);
  }

  @Get('log')
  @ReadEndpoint(JOB, QUERY, NO_ATTEMPT)
  @ApiOperation({ summary: "An attempt's log; follow=1 streams new bytes until the attempt ends" })
  @ApiOkResponse({
    description: 'the log from `offset`',
    headers: {
      [LOG_ATTEMPT_HEADER]: { description: 'the attempt this log is of', schema: { type: 'integer' } },
      [LOG_SIZE_HEADER]: { description: 'bytes of the log now (not with follow)', schema: { type: 'integer' } },
    },
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  async readLog(@Param('id') id: string, @Query() q: LogQueryDto, @Res() reply: FastifyReply): Promise<void> {
    // Headers only once the log is found: an error answers JSON.
    if (q.follow === '1' || q.follow === 'true') {
      const log = await this.runs.followLog(id, q.attempt, q.offset);
      // x-accel-buffering: tells nginx not to hold the stream back.
      await text(reply).header(LOG_ATTEMPT_HEADER, log.attempt).header('x-accel-buffering', 'no').send(log.body);
      return;
    }
    const log = await this.runs.readLog(id, q.attempt, q.offset);
    await text(reply).header(LOG_ATTEMPT_HEADER, log.attempt).header(LOG_SIZE_HEADER, log.size).send(log.body ?? '');
  }

  @Post('progress')
  @HttpCode(200)
  @WorkerEndpoint(JOB, { 409: { description: 'not this worker’s job, or not claimed/running' } })
  @ApiOperation({ summary: 'Store progress points of the current attempt (worker)' })
  @ApiBody({ type: ProgressPostDto })
  @ApiOkResponse({ type: ProgressAnswerDto })
  postProgress(@Param('id') id: string, @Body() dto: ProgressPostDto): Promise<ProgressResponse> {
    return this.runs.postProgress(id, dto);
  }

  @Get('progress')
  @ReadEndpoint(JOB, QUERY, NO_ATTEMPT)
  @ApiOperation({ summary: "An attempt's progress points, oldest first (evenly thinned past CIS490_MAX_PROGRESS_POINTS)" })
  @ApiOkResponse({ type: JobProgressDto })
  progress(@Param('id') id: string, @Query() q: AttemptQueryDto): Promise<JobProgress> {
    return this.runs.progress(id, q.attempt);
  }
}
