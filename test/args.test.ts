import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type Args,
  checkArgs,
  defineArgs,
  flag,
  formatUsageLine,
  parseArgs,
  positional,
  schemaMessage,
  suggestNearest,
} from '../src/args.js';
import { isLabopsError, LabopsError } from '../src/errors.js';
import { renderText } from '../src/i18n/render.js';
import { msg, verbatim } from '../src/i18n/text.js';
import { textArg } from '../src/text.js';
import { decodeSlackText, tokenize } from '../src/tokenize.js';
import { findLeaks } from './support/i18n-leaks.js';

const maintenance = defineArgs({
  host: positional(z.string().min(1).max(64), verbatim('the host to put into maintenance')),
  reason: flag(z.string().optional(), verbatim('why, for the audit trail'), { alias: 'r' }),
  'dry-run': flag(z.boolean().default(false), verbatim('show the plan, change nothing')),
  count: flag(z.number().int().min(1).optional(), verbatim('how many times')),
});

function parse(text: string) {
  return parseArgs(tokenize(decodeSlackText(text)), maintenance);
}

function problemsOf(text: string): readonly string[] {
  const result = parse(text);
  if (result.ok) throw new Error(`expected problems for ${JSON.stringify(text)}`);
  return result.problems;
}

function parsedValue(text: string) {
  const result = parse(text);
  if (!result.ok || result.help)
    throw new Error(`expected a value for ${JSON.stringify(text)}: ${JSON.stringify(result)}`);
  return result.value;
}

function catchError(run: () => unknown): LabopsError {
  try {
    run();
  } catch (error) {
    if (error instanceof LabopsError) return error;
    throw error;
  }
  throw new Error('expected a LabopsError');
}

describe('decodeSlackText', () => {
  it.each([
    ['a &amp; b', 'a & b'],
    ['&lt;script&gt;', '<script>'],
    ['&amp;lt;', '&lt;'],
    ['&amp;amp;', '&amp;'],
    ['say &quot;hi&quot; &#39;there&#39;', `say "hi" 'there'`],
    ['&bogus; &amp', '&bogus; &amp'],
    ['<https://x.example/y.iso>', 'https://x.example/y.iso'],
    ['<https://x.example/y.iso|y.iso>', 'https://x.example/y.iso'],
    ['<https://x.example/a?b=1&amp;c=2|label>', 'https://x.example/a?b=1&c=2'],
    ['<mailto:a@b.example|a@b.example>', 'a@b.example'],
    ['<@U0123ABCD|alice>', '<@U0123ABCD>'],
    ['<#C0LABOPS01|lab-ops>', '<#C0LABOPS01>'],
    ['<!subteam^S0LABADMIN|@admins>', '<!subteam^S0LABADMIN>'],
    ['<not markup>', '<not markup>'],
    ['--reason “kernel update”', '--reason "kernel update"'],
    ['--reason ‘kernel update’', "--reason 'kernel update'"],
    ['hyper1\u00A0--dry-run', 'hyper1 --dry-run'],
    ['a\u202Fb\u2007c', 'a b c'],
    ['< unclosed', '< unclosed'],
  ])('decodes %j to %j', (input, expected) => {
    expect(decodeSlackText(input)).toBe(expected);
  });

  it('does not unwrap markup the user typed literally (it arrives escaped)', () => {
    expect(decodeSlackText('&lt;https://x.example|y&gt;')).toBe('<https://x.example|y>');
  });

  it('unwraps a URL in the middle of a command', () => {
    expect(tokenize(decodeSlackText('<https://mirror.example/c.iso|c.iso> --name centos'))).toEqual([
      'https://mirror.example/c.iso',
      '--name',
      'centos',
    ]);
  });
});

describe('tokenize', () => {
  it.each([
    ['', []],
    ['   \t\n ', []],
    ['hyper1', ['hyper1']],
    ['  hyper1   --dry-run  ', ['hyper1', '--dry-run']],
    ['a\tb\nc', ['a', 'b', 'c']],
    ['--reason "kernel update"', ['--reason', 'kernel update']],
    ["--reason 'kernel update'", ['--reason', 'kernel update']],
    ['--reason="kernel update"', ['--reason=kernel update']],
    ['"a b"c', ['a bc']],
    [`"a"'b c'`, ['ab c']],
    ['""', ['']],
    ["'' x", ['', 'x']],
    ['"say \\"hi\\""', ['say "hi"']],
    ['"back\\\\slash"', ['back\\slash']],
    ['"C:\\path\\x"', ['C:\\path\\x']],
    ["'no \\' escapes'", ['no \\', "escapes'"]],
    ["don't touch", ["don't", 'touch']],
    ['a"b c"', ['a"b', 'c"']],
    ['"it\'s fine"', ["it's fine"]],
    ['\'say "hi"\'', ['say "hi"']],
    ['—reason x', ['--reason', 'x']],
    ['–reason x', ['--reason', 'x']],
    ['— -x', ['--', '-x']],
    ['a—b', ['a—b']],
    ['"—quoted"', ['—quoted']],
  ])('splits %j into %j', (input, expected) => {
    expect(tokenize(input)).toEqual(expected);
  });

  it.each([
    ['--reason "kernel update', 'double', 10],
    ["--reason 'kernel", 'single', 10],
    ['"', 'double', 1],
    ['🦄 "x', 'double', 3],
    ['"a\\"', 'double', 1],
  ])('refuses the unterminated quote in %j, saying where', (input, kind, position) => {
    const error = catchError(() => tokenize(input));
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain(`${kind} quote at character ${position}`);
    expect(error.hint).toBeTruthy();
  });
});

describe('parseArgs', () => {
  it('parses a positional with defaults applied', () => {
    expect(parsedValue('hyper1')).toEqual({ host: 'hyper1', dryRun: false });
  });

  it.each([
    ['hyper1 --reason "kernel update"', { reason: 'kernel update' }],
    ['hyper1 --reason="kernel update"', { reason: 'kernel update' }],
    ['--reason x hyper1', { reason: 'x' }],
    ['hyper1 -r x', { reason: 'x' }],
    ['hyper1 -reason x', { reason: 'x' }],
    ['hyper1 —reason x', { reason: 'x' }],
    ['hyper1 --REASON x', { reason: 'x' }],
    ['hyper1 --reason=', { reason: '' }],
    ['hyper1 --reason=-x', { reason: '-x' }],
    ['hyper1 --reason a=b', { reason: 'a=b' }],
    ['hyper1 --dry-run', { dryRun: true }],
    ['hyper1 --dry-run=true', { dryRun: true }],
    ['hyper1 --dry-run=FALSE', { dryRun: false }],
    ['hyper1 -dry-run', { dryRun: true }],
    ['hyper1 --count 3', { count: 3 }],
    ['hyper1 --count=3', { count: 3 }],
    ['hyper1 --count 1e1', { count: 10 }],
  ])('parses %j', (text, expected) => {
    expect(parsedValue(text)).toMatchObject({ host: 'hyper1', ...expected });
  });

  it('treats tokens after -- as positionals even when they start with a dash', () => {
    expect(parsedValue('-- -weird-host')).toMatchObject({ host: '-weird-host' });
    expect(parsedValue('--dry-run -- --help')).toMatchObject({ host: '--help', dryRun: true });
    expect(parsedValue('— -weird-host')).toMatchObject({ host: '-weird-host' });
  });

  it('takes a negative number as a value, and reports it to the schema', () => {
    expect(problemsOf('hyper1 --count -2')).toEqual(['--count must be at least 1']);
  });

  it.each(['-h', '--help', '-help', 'hyper1 --help', '--bogus --help', '--count --help'])(
    'answers help for %j',
    (text) => {
      expect(parse(text)).toEqual({ ok: true, help: true });
    },
  );

  it('reports an unknown flag with the nearest known one', () => {
    expect(problemsOf('hyper1 --resaon x')).toEqual([
      'unknown flag --resaon — did you mean --reason?',
      expect.stringContaining('unexpected word "x"'),
    ]);
    expect(problemsOf('hyper1 --dryrun')).toEqual(['unknown flag --dryrun — did you mean --dry-run?']);
    expect(problemsOf('hyper1 --zzz')).toEqual([
      'unknown flag --zzz — this command takes --reason, --dry-run, --count',
    ]);
  });

  it.each(['--__proto__', '--constructor', '--to-string', '-valueOf', '--has-own-property'])(
    'refuses %j as an unknown flag rather than finding it on a prototype',
    (flag) => {
      const problems = problemsOf(`hyper1 ${flag} x`);
      expect(problems[0]).toMatch(/^unknown flag/);
    },
  );

  it('reports a flag given twice, once, also through its alias', () => {
    expect(problemsOf('hyper1 --reason a -r b --reason c')).toEqual([
      '--reason is given more than once; give it once',
    ]);
    expect(problemsOf('hyper1 --dry-run --dry-run')).toEqual([
      '--dry-run is given more than once; give it once',
    ]);
  });

  it.each([
    ['hyper1 --reason', '--reason needs a value: --reason TEXT'],
    ['hyper1 --reason --dry-run', '--reason needs a value: --reason TEXT'],
    ['hyper1 --count', '--count needs a value: --count N'],
    ['hyper1 --count abc', '--count needs a number, not "abc"'],
    ['hyper1 --count=0x10', '--count needs a number, not "0x10"'],
    ['hyper1 --count Infinity', '--count needs a number, not "Infinity"'],
    ['hyper1 --count=', '--count needs a number, not ""'],
    [
      'hyper1 --dry-run=yes',
      '--dry-run is a switch and takes no value (got "yes"); write --dry-run or --dry-run=false',
    ],
  ])('reports %j', (text, problem) => {
    expect(problemsOf(text)).toEqual([problem]);
  });

  it('reports missing required positionals with their description', () => {
    expect(problemsOf('--dry-run')).toEqual(['missing HOST (the host to put into maintenance)']);
  });

  it('reports extra positionals and suggests quoting', () => {
    expect(problemsOf('hyper1 --reason kernel update now')).toEqual([
      'unexpected words "update", "now" — this command takes only HOST; quote a value with spaces, e.g. --reason "kernel update"',
    ]);
  });

  it('maps schema issues to flag and positional names in words', () => {
    expect(problemsOf('hyper1 --count 1.5')).toEqual(['--count must be a whole number']);
    expect(problemsOf('"" --count 0')).toEqual([
      'HOST must be at least 1 character long',
      '--count must be at least 1',
    ]);
    expect(problemsOf(`${'h'.repeat(65)}`)).toEqual(['HOST must be at most 64 characters long']);
  });

  it('keeps a message the schema sets itself', () => {
    const lower = defineArgs({
      vmName: positional(
        z.string().regex(/^[a-z]+$/, { error: 'must be lower-case letters' }),
        verbatim('the VM'),
      ),
    });
    expect(parseArgs(['VM1'], lower)).toMatchObject({
      ok: false,
      problems: ['VM_NAME must be lower-case letters'],
    });
    const shouting = defineArgs({
      vmName: positional(
        z.string().refine((v) => v !== 'x', { error: 'X is taken.' }),
        verbatim('the VM'),
      ),
    });
    expect(parseArgs(['x'], shouting)).toMatchObject({ ok: false, problems: ['VM_NAME: X is taken.'] });
  });

  it('reports object-level refinements without a name', () => {
    const either = defineArgs({
      type: flag(z.enum(['data', 'iso']).optional(), verbatim('data or iso')),
      path: flag(z.string().optional(), verbatim('export')),
    });
    // A refinement of the whole object keeps its keys, so the pair still checks.
    const refined = {
      ...either,
      schema: either.schema.refine((v) => v.type !== undefined || v.path !== undefined, {
        error: 'give --type or --path',
      }),
    };
    expect(parseArgs([], refined)).toMatchObject({ ok: false, problems: ['give --type or --path'] });
    expect(parseArgs(['--type', 'nfs'], refined)).toMatchObject({
      ok: false,
      problems: ['--type must be one of data, iso'],
    });
  });

  it('lists every problem at once', () => {
    const problems = problemsOf('--resaon x --count abc --count 2 --dry-run=maybe a b');
    expect(problems).toEqual([
      'unknown flag --resaon — did you mean --reason?',
      '--count needs a number, not "abc"',
      '--count is given more than once; give it once',
      '--dry-run is a switch and takes no value (got "maybe"); write --dry-run or --dry-run=false',
      expect.stringMatching(/^unexpected words "a", "b"/),
    ]);
  });

  it('does not repeat a schema issue for an argument that already has a problem', () => {
    expect(problemsOf('--count x')).toEqual([
      '--count needs a number, not "x"',
      'missing HOST (the host to put into maintenance)',
    ]);
  });

  it('reports a lone dash and a command with no positionals', () => {
    expect(parseArgs(['-', '--x'], defineArgs({}))).toMatchObject({
      ok: false,
      problems: [
        'unknown flag --x — this command takes no flags',
        'unexpected word "-" — this command takes no words besides flags',
      ],
    });
  });

  it('accepts an optional positional', () => {
    const args = defineArgs({ n: positional(z.coerce.number().int().default(20), verbatim('how many')) });
    expect(parseArgs([], args)).toEqual({ ok: true, help: false, value: { n: 20 } });
    expect(parseArgs(['5'], args)).toEqual({ ok: true, help: false, value: { n: 5 } });
    expect(parseArgs(['-5'], args)).toEqual({ ok: true, help: false, value: { n: -5 } });
  });

  it('escapes hostile text it echoes back', () => {
    const [problem] = problemsOf('hyper1 extra\u202Egnp.exe');
    expect(problem).toContain('\\u202e');
    expect(problem).not.toContain('\u202E');
    const [long] = problemsOf(`hyper1 ${'x'.repeat(10_000)}`);
    expect(long!.length).toBeLessThan(200);
    const [weird] = problemsOf('hyper1 "--a\nb"');
    expect(weird).toBe('unknown flag "--a\\nb" — this command takes --reason, --dry-run, --count');
  });

  it('keeps shell metacharacters as plain text', () => {
    expect(parsedValue('hyper1 --reason "$(rm -rf /); `id` | tee > x"')).toMatchObject({
      reason: '$(rm -rf /); `id` | tee > x',
    });
    expect(parsedValue('--reason &lt;!channel&gt; hyper1')).toMatchObject({ reason: '<!channel>' });
  });
});

describe('defineArgs', () => {
  it('makes the parser’s spec and the schema from one declaration', () => {
    expect(maintenance.spec).toEqual({
      positionals: [
        { name: 'host', required: true, description: verbatim('the host to put into maintenance') },
      ],
      flags: {
        reason: {
          type: 'string',
          required: false,
          description: verbatim('why, for the audit trail'),
          alias: 'r',
        },
        'dry-run': {
          type: 'boolean',
          required: false,
          description: verbatim('show the plan, change nothing'),
        },
        count: { type: 'number', required: false, description: verbatim('how many times') },
      },
    });
    expect(Object.keys(maintenance.schema.shape)).toEqual(['host', 'reason', 'dryRun', 'count']);
    expectTypeOf<z.output<typeof maintenance.schema>>().toEqualTypeOf<{
      host: string;
      reason?: string | undefined;
      dryRun: boolean;
      count?: number | undefined;
    }>();
  });

  it('tells what a flag takes and whether a word may be left out from the schema', () => {
    const args = defineArgs({
      first: positional(z.string(), verbatim('required')),
      second: positional(z.coerce.number().default(3), verbatim('a default makes it optional')),
      third: positional(textArg().optional(), verbatim('optional')),
      sum: flag(
        textArg()
          .transform((v) => v.toLowerCase())
          .optional(),
        verbatim('text through a transform'),
      ),
      kind: flag(z.enum(['data', 'iso']), verbatim('an enum is text'), { valueName: 'data|iso' }),
      'max-count': flag(z.coerce.number().optional(), verbatim('a number')),
      on: flag(z.boolean().default(false), verbatim('a switch')),
    });
    expect(args.spec.positionals.map((p) => [p.name, p.required])).toEqual([
      ['first', true],
      ['second', false],
      ['third', false],
    ]);
    expect(Object.entries(args.spec.flags).map(([name, f]) => [name, f.type, f.required])).toEqual([
      ['sum', 'string', false],
      ['kind', 'string', true],
      ['max-count', 'number', false],
      ['on', 'boolean', false],
    ]);
    expect(formatUsageLine('pick', args.spec)).toBe(
      'pick FIRST [SECOND] [THIRD] [--sum TEXT] --kind data|iso [--max-count N] [--on]',
    );
    expect(parseArgs(['a', '--max-count', '2', '--kind', 'iso', '--sum', 'AB', '--on'], args)).toEqual({
      ok: true,
      help: false,
      value: { first: 'a', second: 3, sum: 'ab', kind: 'iso', maxCount: 2, on: true },
    });
  });

  it.each([
    [
      'a bad positional name',
      () => defineArgs({ Host: positional(z.string(), verbatim('')) }),
      '"Host" is not camelCase',
    ],
    [
      'a reserved flag',
      () => defineArgs({ help: flag(z.boolean(), verbatim('')) }),
      'or is reserved (help, h)',
    ],
    [
      'a reserved alias',
      () => defineArgs({ hosts: flag(z.boolean(), verbatim(''), { alias: 'h' }) }),
      'the alias "h" of --hosts is taken, reserved',
    ],
    [
      'a kebab flag name in camelCase',
      () => defineArgs({ dryRun: flag(z.boolean(), verbatim('')) }),
      '"dryRun" is not kebab-case',
    ],
    [
      'a flag clashing with a positional',
      () =>
        defineArgs({
          dryRun: positional(z.string(), verbatim('')),
          'dry-run': flag(z.boolean(), verbatim('')),
        }),
      '--dry-run collides with the positional "dryRun"',
    ],
    [
      'a required positional after an optional one',
      () =>
        defineArgs({
          a: positional(z.string().optional(), verbatim('')),
          b: positional(z.string(), verbatim('')),
        }),
      'the required positional "b" follows an optional one',
    ],
    [
      'a flag that is neither text, a number nor a switch',
      () => defineArgs({ when: flag(z.date(), verbatim('')) }),
      "--when's schema is neither a boolean, a number nor text",
    ],
  ])('refuses %s as a bug', (_, define, problem) => {
    const error = catchError(define);
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain(problem);
  });
});

describe('checkArgs, for a spec and schema paired by hand', () => {
  const spec = {
    positionals: [{ name: 'host', required: true, description: verbatim('the host') }],
    flags: { reason: { type: 'string', required: false, description: verbatim('why') } },
  } as const;

  it.each([
    [
      'a flag whose key the schema lacks (zod would drop it)',
      z.object({ host: z.string() }),
      '--reason has no key "reason" in the schema, so zod would drop it',
    ],
    [
      'a key no argument fills',
      z.object({ host: z.string(), reason: z.string().optional(), dry_run: z.boolean() }),
      'the schema\'s key "dry_run" is no positional or flag',
    ],
    [
      'a flag of another type',
      z.object({ host: z.string(), reason: z.boolean().optional() }),
      '--reason is a string flag, its schema takes boolean',
    ],
    [
      'an optional flag the schema requires',
      z.object({ host: z.string(), reason: z.string() }),
      '--reason is optional, its schema is not',
    ],
    [
      'a required positional the schema makes optional',
      z.object({ host: z.string().optional(), reason: z.string().optional() }),
      'HOST is required, its schema is not',
    ],
    ['a schema that is not an object', z.string(), 'the schema is not a zod object'],
  ])('refuses %s, naming it', (_, schema, problem) => {
    const error = catchError(() => checkArgs({ spec, schema }, '/host maintenance'));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain('The arguments of /host maintenance do not work');
    expect(error.message).toContain(problem);
  });

  it('is run by parseArgs too, so a pair that disagrees never drops a flag silently', () => {
    const args: Args = { spec, schema: z.object({ host: z.string() }) };
    expect(catchError(() => parseArgs(['hyper1', '--reason', 'x'], args)).code).toBe('INTERNAL');
    expect(() =>
      checkArgs({ spec, schema: z.object({ host: z.string(), reason: z.string().optional() }) }),
    ).not.toThrow();
  });
});

describe('suggestNearest', () => {
  const subcommands = ['status', 'maintenance', 'activate', 'trust', 'prepare', 'add', 'remove'];
  it.each([
    ['mantenance', 'maintenance'],
    ['maintenace', 'maintenance'],
    ['MAINTENANCE', 'maintenance'],
    ['stauts', 'status'],
    ['statsu', 'status'],
    ['actvate', 'activate'],
    ['maint', 'maintenance'],
    ['ad', 'add'],
    ['tust', 'trust'],
    ['xyz', undefined],
    ['a', undefined],
    ['', undefined],
    ['prep', 'prepare'],
    ['re', 'remove'],
  ])('suggests for %j: %j', (word, expected) => {
    expect(suggestNearest(word, subcommands)).toBe(expected);
  });

  it('gives nothing on a tie it cannot break', () => {
    expect(suggestNearest('cat', ['bat', 'hat'])).toBeUndefined();
  });

  it('stays quick on a huge word', () => {
    expect(suggestNearest('m'.repeat(100_000), subcommands)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Fuzz: hostile input never escapes as anything but a USAGE answer.
// ---------------------------------------------------------------------------------------------

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_PIECES = [
  '"',
  "'",
  '“',
  '”',
  '‘',
  '’',
  '„',
  '`',
  '\\',
  '\\"',
  '\\\\',
  '--',
  '-',
  '—',
  '–',
  '=',
  '==',
  '&amp;',
  '&lt;',
  '&gt;',
  '&quot;',
  '&#39;',
  '&amp;lt;',
  '&',
  '<',
  '>',
  '|',
  '<https://x.example/a|a>',
  '<mailto:a@b|a@b>',
  '<@U1|x>',
  '<',
  '\u0000',
  '\n',
  '\r\n',
  '\t',
  ' ',
  '  ',
  '\u00A0',
  '\u202F',
  '🦄',
  '👩‍💻',
  '\u200F',
  '\u202E',
  '\u200D',
  '\uFEFF',
  '\uD800',
  '$(',
  ')',
  '$(id)',
  '`id`',
  ';',
  '&&',
  'hyper1',
  '--reason',
  '--reason=',
  '-reason',
  '—reason',
  '--dry-run',
  '--dry-run=',
  'true',
  'false',
  '--count',
  '--count=',
  '3',
  '-1',
  '1e9',
  'NaN',
  '-h',
  '--help',
  '--__proto__',
  '-r',
  'x',
  'kernel update',
];

function createHostileString(random: () => number): string {
  const pieces: string[] = [];
  const count = Math.floor(random() * 24);
  for (let i = 0; i < count; i++) {
    const roll = random();
    if (roll < 0.02) pieces.push('A'.repeat(Math.floor(random() * 50_000)));
    else if (roll < 0.1) pieces.push(String.fromCharCode(Math.floor(random() * 0x10000)));
    else pieces.push(HOSTILE_PIECES[Math.floor(random() * HOSTILE_PIECES.length)]!);
  }
  return pieces.join(random() < 0.5 ? '' : ' ');
}

describe('fuzz', () => {
  const seed = Number(process.env.ARGS_FUZZ_SEED ?? 0x1abcafe);
  const cases = 3_000;

  it(`answers ${cases} hostile strings with a value, help or USAGE (seed ${seed}; set ARGS_FUZZ_SEED to change)`, () => {
    const random = createRandom(seed);
    const outcomes = { parsed: 0, help: 0, problems: 0, usageErrors: 0 };
    for (let index = 0; index < cases; index++) {
      const input = createHostileString(random);
      const describeCase = () => `seed ${seed}, case ${index}, input ${JSON.stringify(input.slice(0, 300))}`;
      try {
        const result = parseArgs(tokenize(decodeSlackText(input)), maintenance);
        if (!result.ok) {
          expect(result.problems.length, describeCase()).toBeGreaterThan(0);
          for (const problem of result.problems) expect(typeof problem, describeCase()).toBe('string');
          outcomes.problems++;
        } else if (result.help) outcomes.help++;
        else {
          expect(maintenance.schema.safeParse(result.value).success, describeCase()).toBe(true);
          outcomes.parsed++;
        }
      } catch (error) {
        if (!isLabopsError(error) || error.code !== 'USAGE') {
          throw new Error(`fuzz failure (${describeCase()}): ${String(error)}`, { cause: error });
        }
        outcomes.usageErrors++;
      }
    }
    // Every outcome must actually occur, or the generator is not exercising the parser.
    expect(
      Object.values(outcomes).every((n) => n > 0),
      JSON.stringify(outcomes),
    ).toBe(true);
  });
});

describe('argument problems in Korean (issue 16)', () => {
  function problemsInKorean(tokens: readonly string[], args: Args = maintenance): string[] {
    const result = parseArgs(tokens, args);
    if (result.ok) throw new Error(`expected problems for ${JSON.stringify(tokens)}`);
    expect(result.problemTexts.flatMap((text) => findLeaks(text))).toEqual([]);
    // The English beside them is the same problems, for logs.
    expect(result.problemTexts.map((text) => renderText('en', text))).toEqual(result.problems);
    return result.problemTexts.map((text) => renderText('ko', text));
  }

  it('says each problem of the flags in Korean, naming the flag and what was typed', () => {
    expect(
      problemsInKorean([
        'hyper1',
        '--resaon',
        'x',
        '--count',
        'abc',
        '--count',
        '2',
        '--dry-run=maybe',
        '--zzz',
      ]),
    ).toEqual([
      '알 수 없는 옵션 --resaon — --reason을(를) 입력하려던 것입니까?',
      '--count에는 숫자가 필요합니다("abc"은(는) 숫자가 아닙니다)',
      '--count이(가) 두 번 이상 주어졌습니다. 한 번만 쓰십시오',
      '--dry-run은(는) 값을 받지 않는 스위치입니다(받은 값: "maybe"). --dry-run 또는 --dry-run=false로 쓰십시오',
      '알 수 없는 옵션 --zzz — 이 명령의 옵션: --reason, --dry-run, --count',
      // The value of an unknown flag is left as a word.
      '예상하지 못한 단어 "x" — 이 명령은 HOST만 받습니다. 공백이 있는 값은 따옴표로 감싸십시오(예: --reason "kernel update")',
    ]);
    expect(problemsInKorean(['hyper1', '--reason'])).toEqual(['--reason에 값이 필요합니다: --reason TEXT']);
    expect(problemsInKorean(['hyper1', 'kernel', 'update'])).toEqual([
      '예상하지 못한 단어 "kernel", "update" — 이 명령은 HOST만 받습니다. 공백이 있는 값은 따옴표로 감싸십시오(예: --reason "kernel update")',
    ]);
  });

  it('says what the schema wants in Korean: bounds, whole numbers, a closed set, the form', () => {
    expect(problemsInKorean(['h'.repeat(65), '--count', '0'])).toEqual([
      'HOST: 64자 이하여야 합니다',
      '--count: 1 이상이어야 합니다',
    ]);
    expect(problemsInKorean(['hyper1', '--count', '1.5'])).toEqual(['--count: 정수여야 합니다']);
    const typed = defineArgs({ type: flag(z.enum(['data', 'iso']), verbatim('data or iso')) });
    expect(problemsInKorean(['--type', 'nfs'], typed)).toEqual(['--type: data, iso 중 하나여야 합니다']);
    const path = defineArgs({ path: flag(z.string(), verbatim('the export')) });
    expect(problemsInKorean([], path)).toEqual(['--path: 반드시 지정해야 합니다']);
    const formed = defineArgs({
      vmName: positional(
        z.string().regex(/^[a-z]+$/, schemaMessage(msg('pipeline.issue.form'))),
        verbatim('the VM'),
      ),
    });
    expect(problemsInKorean(['VM1'], formed)).toEqual(['VM_NAME: 형식이 올바르지 않습니다']);
  });

  it('names a refused character and how to type the text again', () => {
    const reason = defineArgs({ reason: flag(textArg().optional(), verbatim('why')) });
    expect(problemsInKorean(['--reason', 'kernel\u202eupdate'], reason)).toEqual([
      '--reason: 7번째 문자가 U+202E (오른쪽에서 왼쪽 강제)입니다. 인자에는 제어 문자, 방향 표시 문자, 줄 바꿈을 쓸 수 없습니다 — 그 문자를 빼고 다시 입력하십시오. 방향 표시 문자는 보이지 않으며 텍스트를 거꾸로 읽히게 할 수 있습니다',
    ]);
    expect(problemsInKorean(['--reason', 'a\nb'], reason)).toEqual([
      '--reason: 2번째 문자가 U+000A (줄 바꿈)입니다. 인자에는 제어 문자, 방향 표시 문자, 줄 바꿈을 쓸 수 없습니다 — 줄을 바꾼 자리에 공백이나 "; "를 넣어 한 줄로 입력하십시오',
    ]);
  });

  it('names an unterminated quote in Korean', () => {
    const error = catchError(() => tokenize('--reason "kernel'));
    expect(renderText('ko', error.text)).toBe('10번째 문자의 큰따옴표가 닫히지 않았습니다: "\\"kernel".');
    expect(renderText('ko', error.hintText!)).toBe(
      '따옴표를 닫으십시오(예: --reason "kernel update"). 큰따옴표 안에서 따옴표는 \\"로 씁니다.',
    );
  });
});
