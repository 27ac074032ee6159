export * from './auth.options';
export * from './certificate-identity.guard';
export * from './operator.guard';
export * from './token';
export * from './worker.guard';
export * from './early-auth';
