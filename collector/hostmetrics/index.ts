export { HostMetricsReceiver } from './host-metrics-receiver.ts';
export type { HostMetricsOptions, HostMetricsStats } from './host-metrics-receiver.ts';
