export * from './receiver.client';
export * from './receiver.errors';
export * from './retry.policy';
export { ReceiverClientFactory } from './receiver-client.factory';
export { ClientModule } from './client.module';
export * from './log-stream';
export * from './event-stream';
export * from './client-tls';
export * from './tls-problem';
