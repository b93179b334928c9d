import { pino, type Logger } from 'pino';

export type { Logger };

/** The process-wide root logger; components take `rootLogger.child({ component })`. */
export function createLogger(level: string = process.env.VIGIL_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'vigil' } });
}

/** A logger that drops everything: for tests and library use where output is noise. */
export const silentLogger: Logger = pino({ level: 'silent' });
