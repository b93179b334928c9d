export { systemClock, FakeClock } from './clock.ts';
export type { Clock } from './clock.ts';
