export { KafkaBus } from './kafka-bus.ts';
export type { KafkaBusOptions } from './kafka-bus.ts';
export { batchId, cutBatch, planMetadata, plannedLastOffset } from './batch-plan.ts';
export { kafkaSecurity } from './kafka-security.ts';
export type { KafkaSecurity, KafkaSecurityConfig } from './kafka-security.ts';
