export { createLogger, resolveLogFormat, silentLogger } from './logger.ts';
export type { LogFormat, Logger } from './logger.ts';
export { selfMetrics, SelfMetrics } from './self-metrics.ts';
export type { Outcome, ProcessorCounts, ReceiverCounts } from './self-metrics.ts';
export { startSelfTelemetry } from './self-telemetry.ts';
export type { SelfTelemetry, SelfTelemetryOptions } from './self-telemetry.ts';
export type { SelfSink } from './self-export.ts';
