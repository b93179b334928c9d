export { KafkaBus } from './kafka-bus.ts';
export type { KafkaBusOptions } from './kafka-bus.ts';
export { batchId, cutBatch, planMetadata, plannedLastOffset } from './batch-plan.ts';
