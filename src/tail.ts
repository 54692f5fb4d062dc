/*
 * The bounded end of a command's or a step's output: what the SSH runner answers, what the
 * executor records for a step and what the store keeps. Kept in one way, here, so every layer
 * bounds it alike; this module imports nothing.
 */

/** The most lines of output a tail keeps. */
export const TAIL_LINES = 40;
/** The most output a tail keeps: characters for the lines of a tail, UTF-8 bytes for its text. */
export const TAIL_BYTES = 4096;

/** The last lines of output, at most `maxLines` lines and `maxChars` characters (a newline each). */
export class BoundedTail {
  private readonly buffer: string[] = [];
  private size = 0;

  constructor(
    private readonly maxLines = TAIL_LINES,
    private readonly maxChars = TAIL_BYTES,
  ) {}

  /** Adds a line; the oldest lines go while over a bound, but the newest line always stays. */
  push(line: string): void {
    this.buffer.push(line);
    this.size += line.length + 1;
    while (this.buffer.length > this.maxLines || (this.size > this.maxChars && this.buffer.length > 1)) {
      this.size -= (this.buffer.shift()?.length ?? 0) + 1;
    }
  }

  lines(): string[] {
    return [...this.buffer];
  }
}

/** The end of `text`, at most `maxBytes` of UTF-8, never starting inside a character. */
export function boundTail(text: string, maxBytes = TAIL_BYTES): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  let start = bytes.length - maxBytes;
  // Skip continuation bytes (10xxxxxx) so the cut lands on the first byte of a character.
  while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('utf8');
}
