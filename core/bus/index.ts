export type { Bus, BatchHandler, IncomingMessage, OutgoingMessage } from './bus.ts';
export { BusSaturatedError, BusUnavailableError } from './bus.ts';
export { InProcessBus } from './in-process-bus.ts';
export type { InProcessBusOptions } from './in-process-bus.ts';
export { KafkaBus } from './kafka/index.ts';
export type { KafkaBusOptions } from './kafka/index.ts';
