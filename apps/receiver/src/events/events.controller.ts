import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { EventsService, KEEP_ALIVE_MS } from './events.service';

@ApiTags('events')
@Controller('v1')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get('events')
  @ApiOperation({
    summary: 'The fleet live, as Server-Sent Events',
    description:
      'Messages `job` (the job as in GET /v1/jobs, on every transition and on progress at most once a second), ' +
      '`worker` (as in GET /v1/workers, when one appears, goes online/offline or its jobs change), `counts` ' +
      '(the six counts, when they change) and `reset` (refetch: what was missed is no longer held, or many jobs ' +
      `changed at once). Each message but a client's own reset has an increasing id. A comment line at least every ${KEEP_ALIVE_MS / 1000} s.`,
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'the id of the last message seen: replays what came after' })
  @ApiQuery({ name: 'last_event_id', required: false, description: 'the same, for clients that cannot set the header' })
  @ApiOkResponse({
    description: 'Server-Sent Events, open until the client leaves or the receiver stops',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  stream(
    @Headers('last-event-id') header: string | undefined,
    @Query('last_event_id') query: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    void reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-cache, no-transform')
      // Tells nginx not to buffer the stream.
      .header('x-accel-buffering', 'no')
      .send(this.events.connect(header ?? query));
  }
}
