import { type Logger, pino } from 'pino';

export type { Logger };

/** How log lines look: `json` for tools (journald, a collector), `pretty` for a person at a terminal. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

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
  /** Default `json`. */
  format?: LogFormat | undefined;
  /** `pretty` only: colour the level names (default: when stderr is a terminal and NO_COLOR is unset). */
  color?: boolean | undefined;
  /** Where lines go; default stderr so that stdout stays the user's (the shell prints there). */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const paths = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);
  const destination = options.destination ?? pino.destination(2);
  const color = options.color ?? (Boolean(process.stderr.isTTY) && !process.env.NO_COLOR);
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths, censor: '[redacted]' },
      base: { app: 'labops' },
    },
    // Pretty lines are made from the JSON pino wrote, redaction already applied.
    options.format === 'pretty' ? createPrettyDestination(destination, color) : destination,
  );
}

/** A logger that drops everything (tests that do not look at logs). */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const LEVEL_COLORS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
/** Fields every line has, shown in the line's head or not at all. */
const HEAD_FIELDS = new Set(['level', 'time', 'msg', 'app', 'pid', 'hostname']);

function createPrettyDestination(out: pino.DestinationStream, color: boolean): pino.DestinationStream {
  return {
    write(line: string) {
      out.write(formatPrettyLine(line, color));
    },
  };
}

/**
 * One JSON log line as a person reads it: `10:04:05.120 INFO  job finished jobId=j-7 status=succeeded`,
 * an error's stack indented below. A line that is not JSON passes as it is.
 */
export function formatPrettyLine(line: string, color = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const name = (LEVEL_NAMES[level] ?? String(entry.level)).padEnd(5);
  const shownLevel = color ? `\u001b[${LEVEL_COLORS[level] ?? '0'}m${name}\u001b[0m` : name;
  const time = typeof entry.time === 'number' ? formatClockTime(entry.time) : '';
  const fields: string[] = [];
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (HEAD_FIELDS.has(key) || value === undefined) continue;
    if (isErrorLike(value)) {
      fields.push(`${key}=${formatValue(value.message)}`);
      if (typeof value.stack === 'string') stacks.push(value.stack);
      continue;
    }
    fields.push(`${key}=${formatValue(value)}`);
  }
  const message = typeof entry.msg === 'string' ? entry.msg : '';
  const head = [time, shownLevel, message, ...fields].filter((part) => part !== '').join(' ');
  const tail = stacks.map((stack) => `\n${stack.replace(/^/gm, '    ')}`).join('');
  return `${head}${tail}\n`;
}

function isErrorLike(value: unknown): value is { message: unknown; stack?: unknown } {
  return typeof value === 'object' && value !== null && 'message' in value && 'stack' in value;
}

/** Plain words stay bare; anything with spaces, quotes or structure is JSON. */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[\w.:/@+-]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** `HH:MM:SS.mmm` in local time: a terminal reader knows the day. */
function formatClockTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
