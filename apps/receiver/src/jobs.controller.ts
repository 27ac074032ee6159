import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { ClaimResponse, HeartbeatResponse, JobDetail, JobPage, JobView } from '@cis490/contract';
import { HeldClaims, QueueService } from '@cis490/jobs';
import {
  ClaimAnswerDto, ClaimDto, ClaimQueryDto, CompleteDto, FailDto, HeartbeatAnswerDto, HeartbeatDto, JobDetailDto, JobDto, JobPageDto,
  ListJobsQueryDto, RequeueDto,
} from './dto/job.dto';
import { JOB, OperatorEndpoint, QUERY, ReadEndpoint, WorkerEndpoint } from './openapi/endpoint.decorators';

/**
 * Aborts when the worker hangs up: a worker that left while its claim was
 * held must not be handed a job. Made only for held claims — an abort with
 * no reason builds a DOMException, too dear for every claim.
 */
function hangUp(reply: FastifyReply): AbortSignal {
  const gone = new AbortController();
  reply.raw.once('close', () => gone.abort());
  return gone.signal;
}

@ApiTags('jobs')
@Controller('v1')
export class JobsController {
  constructor(
    private readonly queue: QueueService,
    private readonly held: HeldClaims,
  ) {}

  @Post('job/claim')
  @HttpCode(200)
  @WorkerEndpoint(QUERY)
  @ApiOperation({
    summary: 'Claim the first eligible job (worker)',
    description: 'With wait_s, a claim that finds nothing is held until a job becomes eligible for this worker (200 at once) or wait_s runs out (204).',
  })
  @ApiOkResponse({ type: ClaimAnswerDto })
  @ApiNoContentResponse({ description: 'nothing is eligible for this worker (within wait_s), or the receiver is shutting down' })
  async claim(
    @Body() dto: ClaimDto,
    @Query() q: ClaimQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClaimResponse | undefined> {
    const answer = q.wait_s ? await this.held.claim(dto, q.wait_s, hangUp(reply)) : await this.queue.claim(dto);
    if (!answer) reply.status(204);
    return answer ?? undefined;
  }

  @Post('job/:id/heartbeat')
  @HttpCode(200)
  @WorkerEndpoint(JOB, {
    409: { type: HeartbeatAnswerDto, description: 'no longer this worker’s job: cancel: true, stop the trainer' },
  })
  @ApiOperation({ summary: 'Report that the job is alive (worker)' })
  @ApiOkResponse({ type: HeartbeatAnswerDto })
  async heartbeat(
    @Param('id') id: string,
    @Body() dto: HeartbeatDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<HeartbeatResponse> {
    const answer = await this.queue.heartbeat(id, dto);
    if (answer.cancel) reply.status(409);
    return answer;
  }

  @Post('job/:id/complete')
  @HttpCode(200)
  @WorkerEndpoint(JOB, {
    409: { description: 'not this worker’s job, or not claimed/running' },
    422: { description: 'no such artifact uploaded for this job' },
  })
  @ApiOperation({ summary: 'Complete a job with its uploaded bundle (worker)' })
  @ApiOkResponse({ type: JobDto })
  async complete(@Param('id') id: string, @Body() dto: CompleteDto): Promise<JobView> {
    return this.queue.complete(id, dto);
  }

  @Post('job/:id/fail')
  @HttpCode(200)
  @WorkerEndpoint(JOB, { 409: { description: 'not this worker’s job, or not claimed/running' } })
  @ApiOperation({ summary: 'Report a failed attempt, or release the job on shutdown (worker)' })
  @ApiOkResponse({ type: JobDto })
  async fail(@Param('id') id: string, @Body() dto: FailDto): Promise<JobView> {
    return this.queue.fail(id, dto);
  }

  @Post('job/:id/cancel')
  @HttpCode(200)
  @OperatorEndpoint(JOB, { 409: { description: 'the job is completed' } })
  @ApiOperation({ summary: 'Cancel a job (operator)' })
  @ApiOkResponse({ type: JobDto })
  cancel(@Param('id') id: string): Promise<JobView> {
    return this.queue.cancel(id);
  }

  @Post('job/:id/requeue')
  @HttpCode(200)
  @OperatorEndpoint(JOB, { 409: { description: 'the job is claimed or running, or completed without force' } })
  @ApiOperation({ summary: 'Put a failed or cancelled job (completed: force) back to pending (operator)' })
  @ApiBody({ type: RequeueDto, required: false })
  @ApiOkResponse({ type: JobDto })
  requeue(@Param('id') id: string, @Body() dto: RequeueDto = {}): Promise<JobView> {
    return this.queue.requeue(id, dto?.force ?? false);
  }

  @Get('jobs')
  @ReadEndpoint(QUERY)
  @ApiOperation({ summary: 'List jobs, a page at a time, with counts by status' })
  @ApiOkResponse({ type: JobPageDto })
  list(@Query() query: ListJobsQueryDto): Promise<JobPage> {
    return this.queue.list(query);
  }

  @Get('job/:id')
  @ReadEndpoint(JOB)
  @ApiOperation({ summary: 'One job with its events and, when pending, why no online worker takes it' })
  @ApiOkResponse({ type: JobDetailDto })
  get(@Param('id') id: string): Promise<JobDetail> {
    return this.queue.get(id);
  }
}
