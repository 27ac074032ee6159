import { Module } from '@nestjs/common';
import { ReceiverClientFactory } from './receiver-client.factory';

/** The receiver's typed HTTP client, for the worker and the CLI. */
@Module({ providers: [ReceiverClientFactory], exports: [ReceiverClientFactory] })
export class ClientModule {}
