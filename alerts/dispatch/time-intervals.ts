import { z } from 'zod';

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected HH:MM');
const dayRange = z.string().refine((s) => s.split(':').every((d) => DAYS.includes(d.toLowerCase())) && s.split(':').length <= 2, {
  message: `expected a weekday or a range like monday:friday`,
});

/** Alertmanager's time intervals (times of day and weekdays, in UTC). */
export const timeIntervalSchema = z
  .object({
    name: z.string().min(1),
    time_intervals: z
      .array(
        z
          .object({
            times: z.array(z.object({ start_time: clock, end_time: clock }).strict()).default([]),
            weekdays: z.array(dayRange).default([]),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type TimeInterval = z.output<typeof timeIntervalSchema>;

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

function dayMatches(ranges: string[], day: number): boolean {
  if (ranges.length === 0) return true;
  return ranges.some((r) => {
    const [from, to = from] = r.toLowerCase().split(':');
    const a = DAYS.indexOf(from!);
    const b = DAYS.indexOf(to!);
    return a <= b ? day >= a && day <= b : day >= a || day <= b;
  });
}

/** Whether `ms` falls in the interval: any entry whose weekdays and times (if given) all match. */
export function inTimeInterval(interval: TimeInterval, ms: number): boolean {
  const date = new Date(ms);
  const minute = date.getUTCHours() * 60 + date.getUTCMinutes();
  return interval.time_intervals.some(
    (entry) =>
      dayMatches(entry.weekdays, date.getUTCDay()) &&
      (entry.times.length === 0 || entry.times.some((t) => minute >= minutes(t.start_time) && minute < minutes(t.end_time))),
  );
}
