import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRegistry } from '../commands/index.js';
import { parseArgs } from '../src/args.js';
import { renderText } from '../src/i18n/render.js';
import {
  classifyCodePoint,
  describeCodePoint,
  findUnsafeCharacter,
  revealUnsafeCharacters,
  textArg,
} from '../src/text.js';
import { decodeSlackText, tokenize } from '../src/tokenize.js';
import { type CoreHarness, startCore } from './support/core.js';
import { expectError } from './support/dispatch.js';

/** The reason of issue 10 §6 that became bold text and new lines on an approval card. */
const FORGED_REASON = 'patch)*\n\n:white_check_mark: *READ-ONLY — safe to approve*';

/** Every refused class, with one character of each. */
const REFUSED: [string, string][] = [
  ['U+0000', '\u0000'],
  ['U+0009', '\t'],
  ['U+000A', '\n'],
  ['U+000D', '\r'],
  ['U+001B', '\u001b'],
  ['U+007F', '\u007f'],
  ['U+0080', '\u0080'],
  ['U+0085', '\u0085'],
  ['U+009B', '\u009b'],
  ['U+009F', '\u009f'],
  ['U+061C', '\u061c'],
  ['U+200E', '\u200e'],
  ['U+200F', '\u200f'],
  ['U+2028', '\u2028'],
  ['U+2029', '\u2029'],
  ['U+202A', '\u202a'],
  ['U+202D', '\u202d'],
  ['U+202E', '\u202e'],
  ['U+2066', '\u2066'],
  ['U+2069', '\u2069'],
  ['U+D800', '\ud800'],
];

function maintenance() {
  const sub = createRegistry()
    .find('host')
    ?.subcommands.find((s) => s.name === 'maintenance');
  if (!sub) throw new Error('no /host maintenance');
  return sub;
}

describe('the free-text validator', () => {
  it('refuses C0, DEL, C1, bidi controls, new lines and broken surrogates, and names the code point', () => {
    for (const [code, ch] of REFUSED) {
      const found = findUnsafeCharacter(`ab${ch}cd`);
      expect(found, code).toMatchObject({ position: 3 });
      expect(renderText('en', describeCodePoint(found!.codePoint))).toMatch(
        new RegExp(`^${code.replace('+', '\\+')}`),
      );
    }
  });

  it('lets ordinary text through: accents, emoji, dashes, quotes, CJK, right-to-left letters', () => {
    for (const text of [
      'kernel update',
      'Müller’s patch — 2 of 3',
      'ok 👍🏽',
      '修补',
      'עברית',
      'a\u00a0b',
      '*bold* _x_ ~y~',
    ]) {
      expect(findUnsafeCharacter(text), text).toBeUndefined();
    }
    expect(classifyCodePoint(0x20)).toBeUndefined();
    expect(classifyCodePoint(0xa0)).toBeUndefined();
  });

  it('counts the position in characters, so an emoji before the fault counts once', () => {
    expect(findUnsafeCharacter('👍\u202e')).toMatchObject({ codePoint: 0x202e, position: 2, kind: 'bidi' });
  });

  it('reports only its own problem, ahead of the argument’s other rules', () => {
    const schema = textArg()
      .max(3)
      .regex(/^[a-z]+$/, 'must be letters');
    const result = schema.safeParse('abc\u202edef');
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual([
      expect.stringMatching(
        /^holds U\+202E \(right-to-left override\) at character 4; .* — type it again without/,
      ),
    ]);
    expect(schema.safeParse('abcd').error?.issues.map((i) => i.message)).toEqual([
      expect.stringContaining('<=3'),
    ]);
  });

  it('reveals what it refuses when outside text must be shown: spaces for new lines, [U+…] for the rest', () => {
    expect(revealUnsafeCharacters('a\nb\u202ec\u0085d\u009be')).toBe('a b[U+202E]c d[U+009B]e');
  });
});

describe('free-text arguments at parse time', () => {
  it("refuses issue 10's forged --reason with a usage problem naming the new line and how to fix it", () => {
    const sub = maintenance();
    const typed = `maintenance hyper1 --reason "${FORGED_REASON}"`;
    // As Slack delivers it: the new lines are inside the quotes, so they reach the schema.
    const tokens = tokenize(decodeSlackText(typed)).slice(1);
    expect(tokens).toEqual(['hyper1', '--reason', FORGED_REASON]);
    const parsed = parseArgs(tokens, sub.args);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([
      '--reason holds U+000A (line feed, a new line) at character 8; arguments may not hold control characters, direction marks or new lines — keep it on one line: write a space, or "; ", where the new line was',
    ]);
  });

  it('refuses U+202E and C1 controls in a reason and in a host name', () => {
    const sub = maintenance();
    for (const [code, bad] of [
      ['U+202E', '\u202e'],
      ['U+0085', '\u0085'],
      ['U+009B', '\u009b'],
    ] as const) {
      const reason = parseArgs(['hyper1', '--reason', `kernel${bad}update`], sub.args);
      expect(reason.ok, code).toBe(false);
      if (!reason.ok) expect(reason.problems.join(' '), code).toContain(`--reason holds ${code}`);
      const host = parseArgs([`hyper1${bad}`], sub.args);
      expect(host.ok, code).toBe(false);
      if (!host.ok)
        expect(host.problems, code).toEqual([
          expect.stringMatching(new RegExp(`^HOST holds ${code.replace('+', '\\+')}`)),
        ]);
    }
    expect(parseArgs(['hyper1', '--reason', 'Müller’s kernel — update'], sub.args).ok).toBe(true);
  });

  it('guards every string argument of every command with the one validator', () => {
    let checked = 0;
    for (const command of createRegistry().commands) {
      for (const sub of command.subcommands) {
        const { spec, schema } = sub.args;
        const shape = (schema as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
        const unwrap = (key: string) => {
          let schema = shape[key];
          while (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault)
            schema = schema.unwrap() as z.ZodType;
          return schema;
        };
        const isString = (key: string) => unwrap(key) instanceof z.ZodString;
        const where = `/${command.name} ${sub.name}`;
        const required = spec.positionals.filter((p) => p.required).map(() => 'x1');
        spec.positionals.forEach((positional, index) => {
          if (!isString(positional.name)) return;
          const tokens = [...required];
          while (tokens.length <= index) tokens.push('x1');
          tokens[index] = 'x\u202ey';
          const parsed = parseArgs(tokens, sub.args);
          expect(parsed.ok, `${where} ${positional.name}`).toBe(false);
          if (!parsed.ok)
            expect(parsed.problems.join(' '), `${where} ${positional.name}`).toContain('holds U+202E');
          checked++;
        });
        for (const [name, flag] of Object.entries(spec.flags)) {
          if (flag.type !== 'string') continue;
          const parsed = parseArgs([...required, `--${name}`, 'x\u0085y'], sub.args);
          expect(parsed.ok, `${where} --${name}`).toBe(false);
          // A closed set of words (`--type data|iso`) is no free text: its own check refuses it.
          if (unwrap(name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())) instanceof z.ZodEnum)
            continue;
          if (!parsed.ok)
            expect(parsed.problems.join(' '), `${where} --${name}`).toContain(`--${name} holds U+0085`);
          checked++;
        }
      }
    }
    // Reasons, names, URLs, paths, job ids: more than a dozen arguments across the commands.
    expect(checked).toBeGreaterThan(12);
  });

  it('echoes a refused unknown flag with its C1 and bidi characters made visible', () => {
    const sub = maintenance();
    const parsed = parseArgs(['hyper1', '--re\u0085a\u202eson', 'x'], sub.args);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      const text = parsed.problems.join(' ');
      expect(text).toContain('\\u0085');
      expect(text).toContain('\\u202e');
      expect(text).not.toMatch(/[\u0085\u202e]/);
    }
  });
});

describe('a forged reason through the whole pipeline', () => {
  let core: CoreHarness;
  beforeAll(async () => {
    core = await startCore();
  });
  afterAll(async () => {
    await core.close();
  });

  it('is refused before any plan: a USAGE error, no job, no card', async () => {
    const result = await core.labops.dispatch({
      command: '/host',
      text: `maintenance hyper1 --reason "${FORGED_REASON}"`,
      caller: { principal: 'slack:UALICE', channel: 'CLAB', groups: [] },
    });
    const error = expectError(result);
    expect(error.code).toBe('USAGE');
    expect(error.details.join(' ')).toContain('--reason holds U+000A (line feed, a new line)');
    expect(error.hint).toContain('/host maintenance');
    expect(await core.store.listJobs()).toEqual([]);
  });
});
