import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * This receiver among the receivers sharing one database (SPEC §11): the
 * holder of a lease, the origin of a change another receiver hears about.
 * Host and pid say which process it is; the random part tells apart two
 * starts of a process that reused a pid.
 */
@Injectable()
export class ReceiverInstance {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}
