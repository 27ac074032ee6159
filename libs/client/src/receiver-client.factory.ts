import { Injectable } from '@nestjs/common';
import { ReceiverClient, ReceiverClientOptions } from './receiver.client';

/**
 * Makes the receiver's client once a command knows where the receiver is:
 * the URL and tokens come from flags and the environment, which are read
 * only when the command runs, so the client cannot be a provider itself.
 */
@Injectable()
export class ReceiverClientFactory {
  /** Throws an Error naming the problem for a bad URL or option (see ReceiverClient). */
  create(options: ReceiverClientOptions): ReceiverClient {
    return new ReceiverClient(options);
  }
}
