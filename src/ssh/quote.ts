import { isIP } from 'node:net';
import { posix } from 'node:path';
import { LabopsError } from '../errors.js';

/**
 * The one way labops builds remote command lines (ssh-harness.md, "Building remote command
 * lines"): every value is validated against an allowlist first, then single-quoted on its own.
 * Command text written in this code base is literal; only interpolated values are quoted.
 */

/** C0 and C1 controls, DEL, line/paragraph separators and bidi overrides: they mislead approvers. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's job.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const SERVICE = /^[A-Za-z0-9][A-Za-z0-9@._:-]{0,99}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const KEY_TYPE =
  /^(?:ssh-ed25519|ssh-rsa|ssh-dss|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)$/;
const KEY_BODY = /^[A-Za-z0-9+/]+={0,3}$/;
const MAX_PATH = 1024;

function refuse(what: string, value: string, why: string): never {
  throw new LabopsError('USAGE', `${what} ${describeValue(value)} ${why}.`);
}

/** A value as shown in a message: JSON-escaped, so control characters are visible, and shortened. */
export function describeValue(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 77)}…` : value;
  return JSON.stringify(shown);
}

/**
 * Quotes one argument for a POSIX shell: `'` + value with each `'` as `'\''` + `'`. NUL is refused:
 * it cannot travel in an argument vector.
 */
export function quoteArg(value: string): string {
  if (value.includes('\0')) {
    throw new LabopsError(
      'USAGE',
      'A value contains a NUL byte, which cannot be passed to a remote command.',
    );
  }
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A value spliced into a command line: a string (quoted), a list (each quoted), or a number. */
export type ShellValue = string | number | readonly string[];

/**
 * Tagged template for a command line: the literal text is ours, every `${value}` is quoted on its
 * own (lists become one quoted word per item); numbers must be safe integers. The literal text is
 * taken raw, so `'%s\n'` reaches printf as written; `\${` writes a shell `${`.
 */
export function sh(strings: TemplateStringsArray, ...values: ShellValue[]): string {
  const literal = (index: number): string => (strings.raw[index] ?? '').replaceAll('\\${', '${');
  let out = literal(0);
  values.forEach((value, index) => {
    out += renderValue(value) + literal(index + 1);
  });
  return out;
}

function renderValue(value: ShellValue): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new LabopsError('INTERNAL', `Not an integer: ${value}.`);
    return String(value);
  }
  if (typeof value === 'string') return quoteArg(value);
  return value.map(quoteArg).join(' ');
}

/** Refuses control characters (including newline, CR, ESC, U+2028 and bidi overrides). */
export function validateNoControl(what: string, value: string): string {
  if (CONTROL.test(value)) refuse(what, value, 'contains a control character (newline, tab, escape …)');
  return value;
}

/** A DNS host name (RFC 1123). */
export function validateHostName(what: string, value: string): string {
  if (value.length === 0) refuse(what, value, 'is empty');
  if (value.length > 253) refuse(what, value, 'is longer than 253 characters');
  if (!value.split('.').every((label) => HOST_LABEL.test(label))) {
    refuse(what, value, 'is not a host name (letters, digits and - between dots, e.g. hyper1.abc.local)');
  }
  return value;
}

/** An IPv4 or IPv6 address. */
export function validateIp(what: string, value: string): string {
  if (isIP(value) === 0) refuse(what, value, 'is not an IPv4 or IPv6 address');
  return value;
}

/** A host name or an IP address. */
export function validateAddress(what: string, value: string): string {
  if (isIP(value) !== 0) return value;
  return validateHostName(what, value);
}

/** A network in CIDR notation, e.g. 192.168.122.0/24. */
export function validateNetwork(what: string, value: string): string {
  const [ip = '', bits = '', extra] = value.split('/');
  const max = isIP(ip) === 4 ? 32 : isIP(ip) === 6 ? 128 : 0;
  if (extra !== undefined || max === 0 || !/^\d{1,3}$/.test(bits) || Number(bits) > max) {
    refuse(what, value, 'is not a network in CIDR notation (e.g. 192.168.122.0/24)');
  }
  return value;
}

/** An absolute, normalised path without `..`, control characters or a trailing slash. */
export function validateAbsolutePath(what: string, value: string): string {
  if (value.length === 0) refuse(what, value, 'is empty');
  if (value.length > MAX_PATH) refuse(what, value, `is longer than ${MAX_PATH} characters`);
  validateNoControl(what, value);
  if (!value.startsWith('/')) refuse(what, value, 'is not an absolute path (it must start with /)');
  if (value.split('/').includes('..')) refuse(what, value, "contains '..'");
  if (posix.normalize(value) !== value || (value !== '/' && value.endsWith('/'))) {
    refuse(what, value, 'is not normalised (no //, /./ or trailing /)');
  }
  return value;
}

/** An absolute path strictly below one of `roots` (the configured export roots). */
export function validatePathUnder(what: string, value: string, roots: readonly string[]): string {
  validateAbsolutePath(what, value);
  const inside = roots.some((root) => (root === '/' ? value !== '/' : value.startsWith(`${root}/`)));
  if (!inside) refuse(what, value, `is not below the configured export roots (${roots.join(', ')})`);
  return value;
}

/** One name inside a directory: no `/`, not `.` or `..`, no control characters. */
export function validateFileName(what: string, value: string): string {
  if (value.length === 0) refuse(what, value, 'is empty');
  if (value.length > 255) refuse(what, value, 'is longer than 255 characters');
  validateNoControl(what, value);
  if (value.includes('/')) refuse(what, value, "contains '/'");
  if (value === '.' || value === '..') refuse(what, value, 'is not a file name');
  if (value.includes('\uFFFD')) refuse(what, value, 'is not valid UTF-8');
  return value;
}

/** A systemd unit or firewalld service name. */
export function validateServiceName(what: string, value: string): string {
  if (!SERVICE.test(value)) {
    refuse(what, value, 'is not a service name (letters, digits, @ . _ : -; not starting with -)');
  }
  return value;
}

/** A numeric user or group id. */
export function validateId(what: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xfffffffe) {
    throw new LabopsError('USAGE', `${what} ${value} is not a numeric user or group id.`);
  }
  return value;
}

/** Permission bits, 0 to 07777. */
export function validateMode(what: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0o7777) {
    throw new LabopsError('USAGE', `${what} ${value} is not a file mode (0 to 07777).`);
  }
  return value;
}

/** A line of text for a file: no control characters except tab; not empty. */
export function validateLine(what: string, value: string): string {
  if (value.trim() === '') refuse(what, value, 'is empty');
  if (value.length > 4096) refuse(what, value, 'is longer than 4096 characters');
  validateNoControl(what, value.replaceAll('\t', ' '));
  return value;
}

/** An http(s) URL without credentials, whitespace or control characters. */
export function validateUrl(what: string, value: string): string {
  validateNoControl(what, value);
  if (/\s/.test(value)) refuse(what, value, 'contains whitespace');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    refuse(what, value, 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse(what, value, 'is not an http(s) URL');
  if (url.username !== '' || url.password !== '') {
    refuse(what, value, 'carries credentials; give a URL without user:password@');
  }
  if (!value.toLowerCase().startsWith(`${url.protocol}//`)) refuse(what, value, 'is not a plain URL');
  return value;
}

/** A SHA-256 checksum in lower-case hex. */
export function validateSha256(what: string, value: string): string {
  if (!SHA256_HEX.test(value)) refuse(what, value, 'is not a SHA-256 checksum (64 lower-case hex digits)');
  return value;
}

/** An OpenSSH public key line: `TYPE BASE64 [comment]`. Answers its type and base64 body. */
export function parsePublicKey(what: string, value: string): { type: string; body: string; line: string } {
  const line = validateLine(what, value.trim());
  const [type = '', body = ''] = line.split(/\s+/);
  if (!KEY_TYPE.test(type))
    refuse(what, value, `does not start with a known key type (found ${describeValue(type)})`);
  if (!KEY_BODY.test(body)) refuse(what, value, 'has no base64 key after its type');
  return { type, body, line };
}
