import { isIP } from 'node:net';
import { posix } from 'node:path';
import { LabopsError } from '../errors.js';
import { type Message, msg, type Text, type Verbatim, verbatim } from '../i18n/text.js';

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

function refuse(message: Message): never {
  throw new LabopsError('USAGE', message);
}

/** A refused value as a message shows it (see describeValue): as it is in every language. */
function shown(value: string): Verbatim {
  return verbatim(describeValue(value));
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
    throw new LabopsError('USAGE', msg('ssh.value.nul'));
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
    if (!Number.isSafeInteger(value))
      throw new LabopsError('INTERNAL', msg('ssh.value.notInteger', { value }));
    return String(value);
  }
  if (typeof value === 'string') return quoteArg(value);
  return value.map(quoteArg).join(' ');
}

/** Refuses control characters (including newline, CR, ESC, U+2028 and bidi overrides). */
export function validateNoControl(what: Text, value: string): string {
  if (CONTROL.test(value)) refuse(msg('ssh.value.control', { what, value: shown(value) }));
  return value;
}

/** A DNS host name (RFC 1123). */
export function validateHostName(what: Text, value: string): string {
  if (value.length === 0) refuse(msg('ssh.value.empty', { what, value: shown(value) }));
  if (value.length > 253) refuse(msg('ssh.value.tooLong', { what, value: shown(value), max: 253 }));
  if (!value.split('.').every((label) => HOST_LABEL.test(label))) {
    refuse(msg('ssh.value.notHostName', { what, value: shown(value) }));
  }
  return value;
}

/** An IPv4 or IPv6 address. */
export function validateIp(what: Text, value: string): string {
  if (isIP(value) === 0) refuse(msg('ssh.value.notIp', { what, value: shown(value) }));
  return value;
}

/** A host name or an IP address. */
export function validateAddress(what: Text, value: string): string {
  if (isIP(value) !== 0) return value;
  return validateHostName(what, value);
}

/** A network in CIDR notation, e.g. 192.168.122.0/24. */
export function validateNetwork(what: Text, value: string): string {
  const [ip = '', bits = '', extra] = value.split('/');
  const max = isIP(ip) === 4 ? 32 : isIP(ip) === 6 ? 128 : 0;
  if (extra !== undefined || max === 0 || !/^\d{1,3}$/.test(bits) || Number(bits) > max) {
    refuse(msg('ssh.value.notNetwork', { what, value: shown(value) }));
  }
  return value;
}

/** An absolute, normalised path without `..`, control characters or a trailing slash. */
export function validateAbsolutePath(what: Text, value: string): string {
  if (value.length === 0) refuse(msg('ssh.value.empty', { what, value: shown(value) }));
  if (value.length > MAX_PATH) refuse(msg('ssh.value.tooLong', { what, value: shown(value), max: MAX_PATH }));
  validateNoControl(what, value);
  if (!value.startsWith('/')) refuse(msg('ssh.value.notAbsolute', { what, value: shown(value) }));
  if (value.split('/').includes('..')) refuse(msg('ssh.value.dotDot', { what, value: shown(value) }));
  if (posix.normalize(value) !== value || (value !== '/' && value.endsWith('/'))) {
    refuse(msg('ssh.value.notNormalised', { what, value: shown(value) }));
  }
  return value;
}

/** An absolute path strictly below one of `roots` (the configured export roots). */
export function validatePathUnder(what: Text, value: string, roots: readonly string[]): string {
  validateAbsolutePath(what, value);
  const inside = roots.some((root) => (root === '/' ? value !== '/' : value.startsWith(`${root}/`)));
  if (!inside)
    refuse(msg('ssh.value.notUnderRoots', { what, value: shown(value), roots: verbatim(roots.join(', ')) }));
  return value;
}

/** One name inside a directory: no `/`, not `.` or `..`, no control characters. */
export function validateFileName(what: Text, value: string): string {
  if (value.length === 0) refuse(msg('ssh.value.empty', { what, value: shown(value) }));
  if (value.length > 255) refuse(msg('ssh.value.tooLong', { what, value: shown(value), max: 255 }));
  validateNoControl(what, value);
  if (value.includes('/')) refuse(msg('ssh.value.slash', { what, value: shown(value) }));
  if (value === '.' || value === '..') refuse(msg('ssh.value.notFileName', { what, value: shown(value) }));
  if (value.includes('\uFFFD')) refuse(msg('ssh.value.notUtf8', { what, value: shown(value) }));
  return value;
}

/** A systemd unit or firewalld service name. */
export function validateServiceName(what: Text, value: string): string {
  if (!SERVICE.test(value)) {
    refuse(msg('ssh.value.notService', { what, value: shown(value) }));
  }
  return value;
}

/** A numeric user or group id. */
export function validateId(what: Text, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xfffffffe) {
    throw new LabopsError('USAGE', msg('ssh.value.notId', { what, value }));
  }
  return value;
}

/** Permission bits, 0 to 07777. */
export function validateMode(what: Text, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0o7777) {
    throw new LabopsError('USAGE', msg('ssh.value.notMode', { what, value }));
  }
  return value;
}

/** A line of text for a file: no control characters except tab; not empty. */
export function validateLine(what: Text, value: string): string {
  if (value.trim() === '') refuse(msg('ssh.value.empty', { what, value: shown(value) }));
  if (value.length > 4096) refuse(msg('ssh.value.tooLong', { what, value: shown(value), max: 4096 }));
  validateNoControl(what, value.replaceAll('\t', ' '));
  return value;
}

/** An http(s) URL without credentials, whitespace or control characters. */
export function validateUrl(what: Text, value: string): string {
  validateNoControl(what, value);
  if (/\s/.test(value)) refuse(msg('ssh.value.whitespace', { what, value: shown(value) }));
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    refuse(msg('ssh.value.notUrl', { what, value: shown(value) }));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    refuse(msg('ssh.value.notHttp', { what, value: shown(value) }));
  if (url.username !== '' || url.password !== '') {
    refuse(msg('ssh.value.credentials', { what, value: shown(value) }));
  }
  if (!value.toLowerCase().startsWith(`${url.protocol}//`))
    refuse(msg('ssh.value.notPlainUrl', { what, value: shown(value) }));
  return value;
}

/** A SHA-256 checksum in lower-case hex. */
export function validateSha256(what: Text, value: string): string {
  if (!SHA256_HEX.test(value)) refuse(msg('ssh.value.notSha256', { what, value: shown(value) }));
  return value;
}

/** An OpenSSH public key line: `TYPE BASE64 [comment]`. Answers its type and base64 body. */
export function parsePublicKey(what: Text, value: string): { type: string; body: string; line: string } {
  const line = validateLine(what, value.trim());
  const [type = '', body = ''] = line.split(/\s+/);
  if (!KEY_TYPE.test(type))
    refuse(
      msg('ssh.value.unknownKeyType', { what, value: shown(value), found: verbatim(describeValue(type)) }),
    );
  if (!KEY_BODY.test(body)) refuse(msg('ssh.value.noKeyBody', { what, value: shown(value) }));
  return { type, body, line };
}
