import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  CONFIG_EXIT_CODE,
  EnvSchema,
  formatConfigProblems,
  type LabConfig,
  LabConfigSchema,
  type LoadedConfig,
  loadConfig,
  parseLabConfig,
} from '../src/config.js';
import { isLabopsError, type LabopsError } from '../src/errors.js';

const fixtures = fileURLToPath(new URL('./fixtures/config/', import.meta.url));
const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const fixture = (name: string) => join(fixtures, `${name}.yml`);

const PASSWORD = 'pw-Very-Secret-4711';
const BOT = 'xoxb-111-222-botsecret';
const APP = 'xapp-1-A1-appsecret';
const SIGNING = 'signing-secret-8a7b6c';

let emptyDir: string;

beforeAll(async () => {
  emptyDir = await mkdtemp(join(tmpdir(), 'labops-config-'));
});

afterAll(async () => {
  await rm(emptyDir, { recursive: true, force: true });
});

async function loadError(env: Record<string, string | undefined>, cwd = emptyDir): Promise<LabopsError> {
  try {
    await loadConfig({ env, cwd });
  } catch (error) {
    if (isLabopsError(error)) return error;
    throw error;
  }
  throw new Error('expected loadConfig to fail');
}

/** The problem paths of an error, in order. */
function pathsOf(error: LabopsError): string[] {
  return error.details.map((line) => line.slice(0, line.indexOf(': ')));
}

function loadFile(name: string, env: Record<string, string | undefined> = {}): Promise<LoadedConfig> {
  return loadConfig({
    env: { LAB_CONFIG: fixture(name), LABOPS_ENGINE_PASSWORD: PASSWORD, ...env },
    cwd: emptyDir,
  });
}

describe('valid lab files', () => {
  it('loads the basic fixture with defaults applied and the password from the environment', async () => {
    const config = await loadFile('basic');
    expect(config.mode).toBe('shell');
    expect(config.warnings).toEqual([]);
    expect(config.dataDir).toBe(join(emptyDir, 'data'));
    if (config.lab.kind !== 'file') throw new Error('expected a file lab');
    expect(config.lab.path).toBe(fixture('basic'));
    expect(config.lab.enginePassword).toBe(PASSWORD);
    const lab = config.lab.config;
    expect(lab.engine.ca_file).toBe(join(fixtures, 'ovirt-ca.pem'));
    expect(lab.hosts.map((h) => h.name)).toEqual(['hyper1', 'hyper2']);
    expect(lab.hosts[1]?.ssh).toEqual({ user: 'root', port: 22 });
    expect(lab.paths).toEqual({
      hosts_file: '/etc/hosts',
      authorized_keys: '/root/.ssh/authorized_keys',
      exports_file: '/etc/exports',
    });
    expect(lab.policy.commands['storage clean']).toEqual({ risk: 'critical' });
  });

  it('loads lab.example.yml as the lab of the lab guide', async () => {
    const config = await loadConfig({
      env: { LAB_CONFIG: 'lab.example.yml', LABOPS_ENGINE_PASSWORD: PASSWORD },
      cwd: repoRoot,
    });
    if (config.lab.kind !== 'file') throw new Error('expected a file lab');
    const lab = config.lab.config;
    expect(lab.engine.url).toBe('https://ovirt.abc.local/ovirt-engine');
    expect(lab.engine.user).toBe('admin@internal');
    expect(lab.hosts.map((h) => h.address)).toEqual(['hyper1.abc.local', 'hyper2.abc.local']);
    expect(lab.storage.exports.map((e) => e.path)).toEqual(['/export/data', '/export/iso']);
    expect(lab.baseline.storage_domains.map((d) => [d.name, d.type])).toEqual([
      ['nfs-data', 'data'],
      ['nfs-iso', 'iso'],
    ]);
    expect(lab.baseline.hosts).toEqual(['hyper1', 'hyper2']);
    expect(lab.policy.approvers).toContain('slack:S0LABADMIN');
    const text = await readFile(join(repoRoot, 'lab.example.yml'), 'utf8');
    expect(text.split('\n')[1]).toMatch(/documentation/);
  });

  it('returns a deeply frozen value', async () => {
    const config = await loadFile('basic');
    if (config.lab.kind !== 'file') throw new Error('expected a file lab');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.lab.config.hosts[0]?.ssh)).toBe(true);
    expect(() => {
      (config.lab as { path: string }).path = '/elsewhere';
    }).toThrow(TypeError);
  });

  it('warns, without failing, when the engine connection is insecure', async () => {
    const text = (await readFile(fixture('basic'), 'utf8')).replace(
      'ca_file: ovirt-ca.pem',
      'insecure: true',
    );
    const result = parseLabConfig(text, { label: 'lab.yml', env: { LABOPS_ENGINE_PASSWORD: PASSWORD } });
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual([expect.stringMatching(/^engine\.insecure is true: .*not verified/)]);
  });
});

describe('hostile fixtures', () => {
  it('empty: one clear problem', async () => {
    const error = await loadError({ LAB_CONFIG: fixture('empty'), LABOPS_ENGINE_PASSWORD: PASSWORD });
    expect(error.code).toBe('CONFIG');
    expect(error.message).toBe(`Configuration has 1 problem in ${fixture('empty')}:`);
    expect(error.details).toEqual([expect.stringMatching(/^empty\.yml: the file is empty — /)]);
  });

  it('a YAML document that is not a mapping is refused', () => {
    const result = parseLabConfig('- engine\n- hosts\n', { label: 'lab.yml', env: {} });
    expect(result.problems).toEqual([
      { path: 'lab.yml', message: expect.stringMatching(/^must be a mapping of keys .*not a list/) },
    ]);
  });

  it('malformed: YAML syntax errors with line and column', async () => {
    const error = await loadError({ LAB_CONFIG: fixture('malformed'), LABOPS_ENGINE_PASSWORD: PASSWORD });
    expect(error.details).toEqual([
      expect.stringMatching(/^malformed\.yml:7:3: Flow sequence .* — fix the YAML syntax$/),
      expect.stringMatching(/^malformed\.yml:9:1: Flow map .* — fix the YAML syntax$/),
    ]);
  });

  it('missing: every required key and the unset password variable, all at once', async () => {
    const error = await loadError({ LAB_CONFIG: fixture('missing'), LABOPS_ENGINE_PASSWORD: PASSWORD });
    expect(error.message).toBe(`Configuration has 6 problems in ${fixture('missing')}:`);
    expect(error.details).toEqual([
      'engine.url: is required',
      'hosts[0].address: is required',
      'hosts[1].name: is required',
      'storage.server: is required',
      'policy.approvers: is required',
      'engine.password_env: missing secret: set LABOPS_MISSING_FIXTURE_PASSWORD in the environment',
    ]);
  });

  describe('evil', () => {
    let error: LabopsError;

    beforeAll(async () => {
      error = await loadError({ LAB_CONFIG: fixture('evil'), LABOPS_ENGINE_PASSWORD: PASSWORD });
    });

    it('lists every problem in one report', () => {
      expect(error.details).toEqual([
        expect.stringMatching(/^evil\.yml: too many YAML aliases/),
        expect.stringMatching(/^__proto__: forbidden key/),
        expect.stringMatching(/^constructor: forbidden key/),
        expect.stringMatching(/^data_center: looks like a secret; secrets only come from the environment/),
        expect.stringMatching(
          /^engine\.password: secrets only come from the environment — .*engine\.password_env/,
        ),
        expect.stringMatching(/^policy\.commands\.__proto__: forbidden key/),
        'engine.pasword_env: unknown key — did you mean "password_env"?',
        expect.stringMatching(/^hosts\[0\]\.name: may only contain letters, digits/),
        expect.stringMatching(/^hosts\[3\]\.address: is too long/),
        expect.stringMatching(/^storage\.exports\[0\]\.path: must not contain '\.\.'/),
        'policy.commands["host maintenence"]: unknown key — did you mean "host maintenance"?',
        expect.stringMatching(
          /^bomb: unknown key — remove it \(known keys: engine, data_center, cluster, hosts/,
        ),
        'clster: unknown key — did you mean "cluster"?',
        expect.stringMatching(
          /^hosts\[2\]\.name: "hyper2" is also hosts\[1\]\.name — machine names must be unique/,
        ),
        expect.stringMatching(/^hosts\[2\]\.address: "hyper2\.abc\.local" is also hosts\[1\]\.address/),
        expect.stringMatching(/^storage\.exports\[1\]\.path: is outside the export roots \(\/export\)/),
      ]);
      expect(error.message).toBe(`Configuration has 16 problems in ${fixture('evil')}:`);
    });

    it('refuses the alias bomb without expanding it', () => {
      // Expanded, the bomb would be millions of nodes: the report names the aliases instead.
      expect(error.details[0]).toMatch(/too many YAML aliases/);
      expect(JSON.stringify(error.details).length).toBeLessThan(10_000);
    });

    it('echoes neither secrets nor the 100 KB value', () => {
      const text = formatConfigProblems(error);
      expect(text).not.toContain('hunter2-evil-secret');
      expect(text).not.toContain('xoxb-0000-evil-token');
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
      expect(text.length).toBeLessThan(5000);
    });

    it('pollutes no prototype', () => {
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
      expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('risk');
    });
  });
});

describe('cross-field rules', () => {
  type Lab = LabConfig;
  let basic: Lab;

  beforeAll(async () => {
    basic = parse(await readFile(fixture('basic'), 'utf8')) as Lab;
  });

  function check(
    change: (lab: Lab) => void,
    env: Record<string, string> = { LABOPS_ENGINE_PASSWORD: PASSWORD },
  ) {
    const lab = structuredClone(basic);
    change(lab);
    return parseLabConfig(stringify(lab), { label: 'lab.yml', env }).problems.map(
      (p) => `${p.path}: ${p.message}`,
    );
  }

  it('accepts the unchanged basic lab', () => {
    expect(check(() => {})).toEqual([]);
  });

  it('suggests a key with two letters swapped, and escapes a direction mark in a key it quotes', () => {
    const problems = check((lab) => {
      const loose = lab as unknown as Record<string, unknown>;
      loose.hsots = [];
      (loose.policy as { commands: Record<string, unknown> }).commands['host\u202emaintenance'] = {};
    });
    expect(problems).toEqual([
      'policy.commands["host\\u202emaintenance"]: unknown key — did you mean "host maintenance"?',
      'hsots: unknown key — did you mean "hosts"?',
    ]);
    expect(problems.join('')).not.toContain('\u202e');
  });

  it('requires ca_file or insecure, not both, and https unless insecure', () => {
    expect(
      check((lab) => {
        delete lab.engine.ca_file;
        lab.engine.url = 'http://ovirt.abc.local/ovirt-engine';
      }),
    ).toEqual([
      expect.stringMatching(/^engine\.ca_file: is required unless engine\.insecure is true — /),
      expect.stringMatching(/^engine\.url: must use https/),
    ]);
    expect(check((lab) => Object.assign(lab.engine, { insecure: true }))).toEqual([
      expect.stringMatching(/^engine\.insecure: cannot be combined with engine\.ca_file/),
    ]);
  });

  it('refuses a storage server sharing an address with a host', () => {
    expect(check((lab) => Object.assign(lab.storage.server, { address: 'HYPER1.abc.local' }))).toEqual([
      'storage.server.address: "HYPER1.abc.local" is also hosts[0].address — machine addresses must be unique',
    ]);
  });

  it('refuses duplicate, nested and root exports', () => {
    expect(check((lab) => lab.storage.exports.push({ name: 'data2', path: '/export/data' }))).toEqual([
      'storage.exports[2].path: "/export/data" is also storage.exports[0].path — export paths must be unique',
    ]);
    expect(check((lab) => lab.storage.exports.push({ name: 'inner', path: '/export/data/inner' }))).toEqual([
      expect.stringMatching(/^storage\.exports\[2\]\.path: lies inside storage\.exports\[0\]\.path — /),
    ]);
    expect(check((lab) => lab.storage.exports.push({ name: 'root', path: '/export' }))).toEqual([
      expect.stringMatching(/^storage\.exports\[2\]\.path: is an export root itself — /),
    ]);
    expect(
      check((lab) => lab.storage.exports.push({ name: 'data', path: '/export/other', device: '/dev/vdb1' })),
    ).toEqual([
      'storage.exports[2].name: "data" is also storage.exports[0].name — export names must be unique',
      'storage.exports[2].device: "/dev/vdb1" is also storage.exports[0].device — export devices must be unique',
    ]);
  });

  it('refuses unnormalised paths and overlapping roots', () => {
    expect(
      check((lab) => {
        lab.storage.export_roots = ['/export', '/export/sub'];
        lab.paths.hosts_file = 'etc/hosts';
        lab.storage.exports[0]!.path = '/export//data/';
      }),
    ).toEqual([
      expect.stringMatching(/^storage\.exports\[0\]\.path: must be normalised/),
      'paths.hosts_file: must be an absolute path starting with /',
      expect.stringMatching(/^storage\.export_roots\[1\]: overlaps the root "\/export"/),
    ]);
  });

  it('refuses a baseline naming unknown hosts and exports, suggesting the nearest', () => {
    expect(
      check((lab) => {
        lab.baseline.hosts = ['hyper1', 'hyper3x', 'nothing-like-it'];
        lab.baseline.storage_domains[0]!.export = 'dat';
      }),
    ).toEqual([
      'baseline.hosts[1]: unknown host "hyper3x" — did you mean "hyper1"?',
      'baseline.hosts[2]: unknown host "nothing-like-it" — use one of: hyper1, hyper2',
      'baseline.storage_domains[0].export: unknown export "dat" — did you mean "data"?',
    ]);
  });

  it('validates principals, channels and host key fingerprints', () => {
    expect(
      check((lab) => {
        lab.policy.approvers = ['U0ALICE01', 'slack:S0LABADMIN'];
        lab.policy.channels = ['#lab'];
        lab.hosts[0]!.ssh.host_key = 'SHA256:short';
      }),
    ).toEqual([
      expect.stringMatching(/^hosts\[0\]\.ssh\.host_key: must be SHA256: followed by 43 base64 characters/),
      expect.stringMatching(/^policy\.approvers\[0\]: must be slack:U…\/slack:W… \(a user\), slack:S…/),
      expect.stringMatching(/^policy\.channels\[0\]: must be a Slack channel id/),
    ]);
  });

  it('names the missing password variable without any value', () => {
    expect(check(() => {}, {})).toEqual([
      'engine.password_env: missing secret: set LABOPS_ENGINE_PASSWORD in the environment',
    ]);
    expect(check(() => {}, { LABOPS_ENGINE_PASSWORD: '' })).toHaveLength(1);
  });

  it('describes every key of the schema', () => {
    const undescribed: string[] = [];
    const walk = (schema: unknown, path: string): void => {
      const def = (schema as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
      if (['optional', 'default', 'prefault'].includes(def.type)) walk(def.innerType, path);
      else if (def.type === 'array') walk(def.element, `${path}[]`);
      else if (def.type === 'record') walk(def.valueType, `${path}{}`);
      if (def.type !== 'object') return;
      for (const [key, child] of Object.entries(def.shape as Record<string, unknown>)) {
        if ((child as { description?: string }).description === undefined) undescribed.push(`${path}.${key}`);
        walk(child, `${path}.${key}`);
      }
    };
    walk(LabConfigSchema, '');
    expect(undescribed).toEqual([]);
    expect(Object.values(EnvSchema.shape).every((s) => s.description !== undefined)).toBe(true);
  });
});

describe('environment', () => {
  it.each([
    {
      name: 'socket with bot and app tokens',
      env: { SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP },
      mode: 'socket',
    },
    {
      name: 'socket even with a signing secret',
      env: { SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP, SLACK_SIGNING_SECRET: SIGNING },
      mode: 'socket',
    },
    {
      name: 'http with bot token and signing secret',
      env: { SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SIGNING },
      mode: 'http',
    },
    {
      name: 'http when the app token is empty',
      env: { SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: '', SLACK_SIGNING_SECRET: SIGNING },
      mode: 'http',
    },
    { name: 'shell with no token', env: {}, mode: 'shell' },
    {
      name: 'shell when the bot token is empty',
      env: { SLACK_BOT_TOKEN: '  ', SLACK_APP_TOKEN: APP },
      mode: 'shell',
    },
    { name: 'an error with only a bot token', env: { SLACK_BOT_TOKEN: BOT }, mode: 'error' },
    {
      name: 'an error when the other two are empty',
      env: { SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: '', SLACK_SIGNING_SECRET: '' },
      mode: 'error',
    },
  ])('selects $name', async ({ env, mode }) => {
    if (mode === 'error') {
      const error = await loadError(env);
      expect(pathsOf(error)).toEqual(['SLACK_BOT_TOKEN']);
      expect(error.message).toBe('Configuration has 1 problem in the environment:');
      return;
    }
    const config = await loadConfig({ env, cwd: emptyDir });
    expect(config.mode).toBe(mode);
    expect(config.slack.mode).toBe(mode);
  });

  it('gives the HTTP receiver its port and secrets, but keeps secrets out of JSON and warnings', async () => {
    const config = await loadConfig({
      env: { SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SIGNING, SLACK_APP_TOKEN: '', PORT: '8080' },
      cwd: emptyDir,
    });
    if (config.slack.mode !== 'http') throw new Error('expected http');
    expect(config.slack.port).toBe(8080);
    expect(config.slack.botToken).toBe(BOT);
    expect(config.slack.signingSecret).toBe(SIGNING);
    const shown = JSON.stringify(config) + config.warnings.join('\n');
    for (const secret of [BOT, SIGNING]) expect(shown).not.toContain(secret);
  });

  it('keeps the engine password and tokens out of JSON and warnings', async () => {
    const config = await loadFile('basic', {
      SLACK_BOT_TOKEN: BOT,
      SLACK_APP_TOKEN: APP,
      SLACK_SIGNING_SECRET: SIGNING,
    });
    expect(config.warnings).toEqual([
      expect.stringMatching(/SLACK_SIGNING_SECRET is ignored in Socket Mode/),
    ]);
    const shown = JSON.stringify(config) + config.warnings.join('\n');
    for (const secret of [PASSWORD, BOT, APP, SIGNING]) expect(shown).not.toContain(secret);
  });

  it('applies defaults: port 3000, log level info, no extra approvers', async () => {
    const config = await loadConfig({ env: { PORT: '', LOG_LEVEL: '' }, cwd: emptyDir });
    expect(config.logLevel).toBe('info');
    expect(config.extraApprovers).toEqual([]);
    expect(EnvSchema.parse({}).PORT).toBe(3000);
  });

  it('reads LABOPS_APPROVERS as Slack principals and normalises SLACK_API_URL', async () => {
    const config = await loadConfig({
      env: {
        LABOPS_APPROVERS: ' U0ALICE01, S0ADMINS1,,slack:W0GRID001 ',
        SLACK_BOT_TOKEN: BOT,
        SLACK_APP_TOKEN: APP,
        SLACK_API_URL: 'http://127.0.0.1:4567/api',
        LOG_LEVEL: 'debug',
      },
      cwd: emptyDir,
    });
    expect(config.extraApprovers).toEqual(['slack:U0ALICE01', 'slack:S0ADMINS1', 'slack:W0GRID001']);
    expect(config.logLevel).toBe('debug');
    if (config.slack.mode !== 'socket') throw new Error('expected socket');
    expect(config.slack.apiUrl).toBe('http://127.0.0.1:4567/api/');
  });

  it('reports every environment problem with the lab problems, echoing no value', async () => {
    const error = await loadError({
      SLACK_BOT_TOKEN: 'not-a-bot-token-secret',
      SLACK_APP_TOKEN: 'xoxb-swapped-secret',
      PORT: '99999',
      SLACK_API_URL: 'slack.com',
      LABOPS_APPROVERS: 'U0ALICE01,alice',
      LOG_LEVEL: 'loud',
      LAB_CONFIG: fixture('missing'),
    });
    expect(error.message).toBe(`Configuration has 12 problems in the environment and ${fixture('missing')}:`);
    expect(pathsOf(error).slice(0, 6)).toEqual([
      'SLACK_BOT_TOKEN',
      'SLACK_APP_TOKEN',
      'PORT',
      'SLACK_API_URL',
      'LABOPS_APPROVERS[1]',
      'LOG_LEVEL',
    ]);
    const text = formatConfigProblems(error);
    expect(text).not.toContain('not-a-bot-token-secret');
    expect(text).not.toContain('xoxb-swapped-secret');
  });
});

describe('lab selection', () => {
  it('reports LAB_CONFIG naming a missing file', async () => {
    const error = await loadError({ LAB_CONFIG: 'nowhere/lab.yml' });
    expect(error.details).toEqual([
      expect.stringMatching(
        new RegExp(`^LAB_CONFIG: names a file that does not exist: ${join(emptyDir, 'nowhere/lab.yml')} — `),
      ),
    ]);
  });

  it('reports LAB_CONFIG naming a directory', async () => {
    const error = await loadError({ LAB_CONFIG: fixtures });
    expect(error.details).toEqual([expect.stringMatching(/^LAB_CONFIG: does not name a regular file/)]);
  });

  it('uses the simulated lab and a fresh temporary store when there is no lab file', async () => {
    const config = await loadConfig({ env: { LAB_CONFIG: '' }, cwd: emptyDir });
    expect(config.lab).toEqual({ kind: 'simulated' });
    expect(config.dataDir).toBeUndefined();
  });

  it('honours LABOPS_DATA_DIR for the simulated lab, relative to cwd', async () => {
    const config = await loadConfig({ env: { LABOPS_DATA_DIR: 'state' }, cwd: emptyDir });
    expect(config.dataDir).toBe(join(emptyDir, 'state'));
  });

  it('uses ./lab.yml when LAB_CONFIG is unset', async () => {
    const cwd = join(emptyDir, 'with-lab');
    await mkdir(cwd);
    await writeFile(join(cwd, 'lab.yml'), await readFile(fixture('basic')));
    const config = await loadConfig({ env: { LABOPS_ENGINE_PASSWORD: PASSWORD }, cwd });
    expect(config.lab.kind).toBe('file');
    expect(config.dataDir).toBe(join(cwd, 'data'));
  });
});

describe('formatConfigProblems', () => {
  it('prints the header, one line per problem and the hint', async () => {
    const error = await loadError({ SLACK_BOT_TOKEN: BOT });
    expect(formatConfigProblems(error)).toBe(
      [
        'Configuration has 1 problem in the environment:',
        `  - ${error.details[0]}`,
        'Hint: Fix every problem listed, then start again; lab.example.yml shows a complete lab file.',
      ].join('\n'),
    );
    expect(CONFIG_EXIT_CODE).toBe(2);
  });

  it('prints other failures as their message', () => {
    expect(formatConfigProblems(new Error('boom'))).toBe('Unexpected failure: boom');
  });
});
