import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Keys whose values never reach a log line, wherever they sit in a logged object (style.md:
 * secrets never appear in a message, a log or a command line).
 */
const REDACTED_KEYS = [
  'password',
  'token',
  'access_token',
  'authorization',
  'Authorization',
  'secret',
  'signingSecret',
  'appToken',
  'botToken',
  'root_password',
];

export interface LoggerOptions {
  level?: string | undefined;
  /** Where lines go; default stderr so that stdout stays the user's (the shell prints there). */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const paths = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths, censor: '[redacted]' },
      base: { app: 'labops' },
    },
    options.destination ?? pino.destination(2),
  );
}

/** A logger that drops everything (tests that do not look at logs). */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
