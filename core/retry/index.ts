export { withRetry } from './with-retry.ts';
export type { RetryPolicy } from './with-retry.ts';
