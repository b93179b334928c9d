export { PrometheusReceiver } from './prometheus-receiver.ts';
export type { PrometheusReceiverOptions, PrometheusStats, ScrapeConfig } from './prometheus-receiver.ts';
export { parseExposition, ExpositionError, SampleLimitError } from './parse-exposition.ts';
export type { Family, FamilyType, Sample } from './parse-exposition.ts';
