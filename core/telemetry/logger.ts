import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** json: one JSON object per line (machines); pretty: readable lines (a person); auto: pretty on a terminal. */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** What `auto` means for this process: readable lines only when stdout is a terminal. */
export function resolveLogFormat(format: LogFormat, isTTY: boolean = Boolean(process.stdout.isTTY)): 'json' | 'pretty' {
  return format === 'auto' ? (isTTY ? 'pretty' : 'json') : format;
}

/** The process-wide root logger; components take `rootLogger.child({ component })`. */
export function createLogger(level: string = process.env.VIGIL_LOG_LEVEL ?? 'info', format: LogFormat = 'json'): Logger {
  const options = { level, base: { service: 'vigil' } };
  if (resolveLogFormat(format) === 'json') return pino(options);
  // In-process and synchronous, so a line is on the terminal before the process exits.
  return pino(
    options,
    pretty({ sync: true, singleLine: true, colorize: Boolean(process.stdout.isTTY), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', destination: 1 }),
  );
}

/** A logger that drops everything: for tests and library use where output is noise. */
export const silentLogger: Logger = pino({ level: 'silent' });
