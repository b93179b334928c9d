export type { Bus, BatchHandler, DeliveryReport, IncomingMessage, OutgoingMessage } from './bus.ts';
export { BusSaturatedError, BusUnavailableError } from './bus.ts';
export { InProcessBus } from './in-process-bus.ts';
export type { InProcessBusOptions } from './in-process-bus.ts';
export { KafkaBus, kafkaSecurity } from './kafka/index.ts';
export type { KafkaBusOptions, KafkaSecurity } from './kafka/index.ts';
