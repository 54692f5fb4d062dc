import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLabopsError, type LabopsError } from '../../src/errors.js';
import { verbatim } from '../../src/i18n/text.js';
import {
  parsePublicKey,
  quoteArg,
  sh,
  validateAbsolutePath,
  validateFileName,
  validateHostName,
  validateLine,
  validatePathUnder,
  validateServiceName,
  validateUrl,
} from '../../src/ssh/quote.js';
import type { SshRunner } from '../../src/ssh/runner.js';
import { createLabRunner, useSshLab } from '../support/ssh-lab.js';

/** Values that break naive quoting (ssh-harness.md lists the kinds). */
const HOSTILE: string[] = [
  '; rm -rf /',
  '$(id)',
  '`id`',
  "a'b",
  "'",
  "''",
  '"',
  'a"b"c',
  'new\nline',
  '\n',
  'tab\there',
  '\r',
  'cr\r\nlf',
  '\u001b[31mred\u001b[0m',
  '\u0007bell',
  'line\u2028separator',
  '\u202eevil',
  'émoji 🎉 ünïcödé',
  '日本語',
  '',
  ' ',
  '  leading spaces',
  'trailing ',
  '*',
  '?',
  '[a-z]*',
  '~',
  '~root',
  '!!',
  '!$',
  '$HOME',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, hostile on purpose.
  '${HOME}',
  '$((6*7))',
  '--help',
  '-n',
  '-e',
  '-',
  '--',
  '\\',
  '\\n',
  '%s%s%n',
  'a b  c',
  '&& true',
  '|| true',
  '| cat',
  '> /tmp/owned',
  '< /etc/shadow',
  '#comment',
  '{a,b}',
  '../../etc/passwd',
  '/export/../etc',
  '/export/data/..',
  '/export//data',
  'x'.repeat(5000),
  '\u0000',
  'a\u0000b',
];

function caught(fn: () => unknown): LabopsError | undefined {
  try {
    fn();
  } catch (error) {
    if (isLabopsError(error)) return error;
    throw error;
  }
  return undefined;
}

/** Each validator with the field name its message must start with. */
const VALIDATORS: [string, (value: string) => unknown][] = [
  ['The path', (v) => validateAbsolutePath(verbatim('The path'), v)],
  ['The export', (v) => validatePathUnder(verbatim('The export'), `/export/${v}`, ['/export'])],
  ['The file name', (v) => validateFileName(verbatim('The file name'), v)],
  ['The host', (v) => validateHostName(verbatim('The host'), v)],
  ['The line', (v) => validateLine(verbatim('The line'), v)],
  ['The service', (v) => validateServiceName(verbatim('The service'), v)],
  ['The URL', (v) => validateUrl(verbatim('The URL'), `http://mirror.abc.local/${v}`)],
];

describe('quoting', () => {
  it('quotes each argument on its own, a quote becoming quote-backslash-quote-quote', () => {
    expect(quoteArg("a'b")).toBe(`'a'\\''b'`);
    expect(quoteArg('')).toBe(`''`);
    expect(sh`mkdir -p -- ${'/export/a b'} ${['x', "y'z"]} ${36}`).toBe(
      `mkdir -p -- '/export/a b' 'x' 'y'\\''z' 36`,
    );
  });

  it('refuses NUL with a clear message', () => {
    expect(caught(() => quoteArg('a\u0000b'))?.message).toMatch(/NUL byte/);
  });

  it('keeps printf escapes of the literal text and writes ${ for \\${', () => {
    expect(sh`printf '%s\n' "\${x}" ${'v'}`).toBe(`printf '%s\\n' "\${x}" 'v'`);
  });

  it.each(VALIDATORS)(
    '%s: refuses hostile values with a message naming the field and the value',
    (label, validate) => {
      let refused = 0;
      for (const value of HOSTILE) {
        const error = caught(() => validate(value));
        if (!error) continue;
        refused++;
        expect(error.code).toBe('USAGE');
        expect(error.message.startsWith(label)).toBe(true);
        expect(error.message).toMatch(/ (is|contains|carries|does) /);
      }
      expect(refused).toBeGreaterThan(5);
    },
  );

  it('parses public keys and refuses the guide’s sh-rsa typo', () => {
    const line = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH8s2vjHf0mVfN0Fq3u7qS7H0v6v2gC4n9z8m1wYd7o0 engine';
    expect(parsePublicKey(verbatim('The key'), line)).toMatchObject({ type: 'ssh-ed25519' });
    expect(
      caught(() => parsePublicKey(verbatim('The key'), line.replace('ssh-ed25519', 'sh-rsa')))?.message,
    ).toMatch(/known key type/);
    expect(caught(() => parsePublicKey(verbatim('The key'), `${line}\nssh-rsa AAAA`))?.message).toMatch(
      /control/,
    );
  });
});

describe('hostile values against a real sshd', () => {
  const lab = useSshLab();
  let runner: SshRunner;
  beforeAll(async () => {
    runner = await createLabRunner(lab());
  });
  afterAll(async () => {
    await runner?.close();
  });

  const printable = HOSTILE.filter((v) => !v.includes('\u0000'));

  it(`has at least 40 hostile values (${HOSTILE.length})`, () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(40);
  });

  it('round-trips every value without NUL byte for byte through a remote printf', async () => {
    const result = await runner.exec('hyper1', sh`printf '%s\0' ${printable}`);
    expect(result.exitCode).toBe(0);
    const got = result.stdout.split('\0').slice(0, -1);
    expect(got).toHaveLength(printable.length);
    printable.forEach((value, index) => {
      expect(Buffer.from(got[index] ?? '', 'utf8').equals(Buffer.from(value, 'utf8'))).toBe(true);
    });
  });

  it('round-trips them nested in sh -c, quoted again as a whole', async () => {
    const inner = sh`printf '%s\0' ${printable}`;
    const result = await runner.exec('hyper2', sh`sh -c ${inner}`);
    expect(result.stdout).toBe(`${printable.join('\0')}\0`);
  });

  it('lets a value through a validator only when it round-trips unchanged', async () => {
    const accepted = new Set<string>();
    for (const [, validate] of VALIDATORS) {
      for (const value of HOSTILE) {
        if (!caught(() => validate(value))) accepted.add(value);
      }
    }
    const values = [...accepted];
    // Only a tab (in a line of a file) gets through among the control characters.
    const controls = values.filter((v) =>
      [...v].some((c) => (c < ' ' && c !== '\t') || c === '\u2028' || c === '\u202e'),
    );
    expect(controls).toEqual([]);
    const result = await runner.exec('storage', sh`printf '%s\0' ${values}`);
    expect(result.stdout).toBe(`${values.join('\0')}\0`);
  });

  it('refuses NUL-bearing values before anything is sent', () => {
    for (const value of HOSTILE.filter((v) => v.includes('\u0000'))) {
      expect(caught(() => sh`printf '%s' ${value}`)?.message).toMatch(/NUL/);
    }
  });
});
