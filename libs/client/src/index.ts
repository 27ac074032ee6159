export * from './receiver.client';
export * from './receiver.errors';
export * from './retry.policy';
