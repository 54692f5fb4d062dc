import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type ConfigProblem, createProblem, describeProblem, formatPath } from '../src/config/problems.js';
import {
  BotConfigSchema,
  CONFIG_EXIT_CODE,
  DEFAULT_LAB_NAME,
  EnvSchema,
  formatConfigProblems,
  type LabConfig,
  LabConfigSchema,
  LabFileSchema,
  type LoadedConfig,
  loadConfig,
  MultiLabFileSchema,
  parseLabConfig,
  readShellLocale,
} from '../src/config.js';
import { isLabopsError, type LabopsError } from '../src/errors.js';
import { renderText } from '../src/i18n/render.js';
import { isMessage, msg } from '../src/i18n/text.js';
import { findLeaks } from './support/i18n-leaks.js';

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
    const [source] = config.labs;
    if (source?.kind !== 'file') throw new Error('expected a file lab');
    expect(config.labs).toHaveLength(1);
    expect(source.name).toBe(DEFAULT_LAB_NAME);
    expect(source.path).toBe(fixture('basic'));
    expect(source.enginePassword).toBe(PASSWORD);
    expect(source.sshPassword).toBeUndefined();
    expect(config.instructors).toEqual([]);
    expect(config.downloads).toEqual({ allowed_networks: [], allowed_hosts: [] });
    expect(config.limits).toEqual({ plan_seconds: 20, plans_per_requester: 2, labs_in_parallel: 10 });
    const lab = source.config;
    // The bot's settings are the bot's: a lab's own config holds none of them.
    expect(Object.keys(lab)).not.toContain('downloads');
    expect(Object.keys(lab)).not.toContain('limits');
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
    const [source] = config.labs;
    if (source?.kind !== 'file') throw new Error('expected a file lab');
    const lab = source.config;
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
    const [source] = config.labs;
    if (source?.kind !== 'file') throw new Error('expected a file lab');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.labs)).toBe(true);
    expect(Object.isFrozen(source.config.hosts[0]?.ssh)).toBe(true);
    expect(() => {
      (source as { path: string }).path = '/elsewhere';
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
      {
        path: 'lab.yml',
        message: expect.stringMatching(/^must be a mapping of keys .*not a list/),
        text: msg('config.yaml.notMapping', { actual: msg('config.problem.type', { type: 'list' }) }),
      },
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
    walk(LabFileSchema, 'file');
    walk(MultiLabFileSchema, 'multi');
    walk(BotConfigSchema, 'bot');
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

  it('starts only in the mode LABOPS_MODE requires: a service with blank tokens stops with exit 2', async () => {
    const blankTokens = await loadError({ LABOPS_MODE: 'socket', SLACK_BOT_TOKEN: '', SLACK_APP_TOKEN: '' });
    expect(pathsOf(blankTokens)).toEqual(['LABOPS_MODE']);
    expect(blankTokens.detailTexts.map((t) => renderText('en', t))).toEqual([
      'LABOPS_MODE: is socket, but the Slack variables choose shell — set SLACK_BOT_TOKEN (xoxb-…) and SLACK_APP_TOKEN (xapp-…), in the service’s EnvironmentFile for a service',
    ]);
    expect(renderText('ko', blankTokens.detailTexts[0]!)).toContain(
      'socket이지만 Slack 변수로는 shell 모드가 됩니다',
    );
    const httpAsked = await loadError({ LABOPS_MODE: 'http', SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP });
    expect(httpAsked.detailTexts.map((t) => renderText('en', t))[0]).toMatch(
      /^LABOPS_MODE: is http, but .* socket/,
    );
    expect(pathsOf(await loadError({ LABOPS_MODE: 'sockets' }))).toEqual(['LABOPS_MODE']);
    // The mode it names is the mode it gets; a lone bot token stays that token's problem.
    const socket = await loadConfig({
      env: { LABOPS_MODE: 'socket', SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP },
      cwd: emptyDir,
    });
    expect(socket.mode).toBe('socket');
    expect(pathsOf(await loadError({ LABOPS_MODE: 'socket', SLACK_BOT_TOKEN: BOT }))).toEqual([
      'SLACK_BOT_TOKEN',
    ]);
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

  it('reports LAB_CONFIG naming neither a file nor a directory', async () => {
    const error = await loadError({ LAB_CONFIG: '/dev/null' });
    expect(error.details).toEqual([
      expect.stringMatching(
        /^LAB_CONFIG: names neither a lab file nor a directory of lab files: \/dev\/null/,
      ),
    ]);
  });

  it('uses the simulated lab and a fresh temporary store when there is no lab file', async () => {
    const config = await loadConfig({ env: { LAB_CONFIG: '' }, cwd: emptyDir });
    expect(config.labs).toEqual([{ kind: 'simulated', name: 'default' }]);
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
    expect(config.labs.map((lab) => lab.kind)).toEqual(['file']);
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

describe('in Korean (issue 16)', () => {
  const HINT_KO =
    '도움말: 나열된 문제를 모두 고친 뒤 다시 시작하십시오. 실습 환경 파일의 전체 예는 lab.example.yml에 있습니다.';

  /** Each problem as a Korean line, checked for text outside the catalog. */
  function inKorean(problems: readonly ConfigProblem[]): string[] {
    const leaks = problems.flatMap((p) => findLeaks(describeProblem(p)));
    expect(leaks).toEqual([]);
    return problems.map((p) => renderText('ko', describeProblem(p)));
  }

  /** A lab file wrong in every field it has: each of the schemas' own messages. */
  const everythingWrong = {
    engine: {
      url: 'ftp://ovirt.abc.local',
      user: 'admin',
      password_env: 'lower_case',
      ca_file: '',
      insecure: 'yes',
      timeout_ms: 5.5,
      max_concurrency: 0,
    },
    data_center: '',
    cluster: 'c'.repeat(65),
    hosts: [{ name: 'bad name', address: 'bad address!', ssh: { user: 'Root', port: 70000, host_key: 'x' } }],
    storage: {
      server: { name: 'nfs', address: 'nfs.abc.local' },
      export_roots: [],
      exports: [
        { name: 'data', path: 'relative', device: '/mnt/x' },
        { name: 'iso', path: '/export//iso' },
      ],
    },
    paths: ['/etc/hosts'],
    baseline: { storage_domains: [{ name: 'd', type: 'nfs', export: '' }], hosts: 'hyper1', vms: [''] },
    policy: {
      approvers: [],
      askers: ['U0ALICE01'],
      channels: ['#lab'],
      expiry_minutes: 0,
      commands: { 'host maintenence': {}, 'lab status': { risk: 'low' } },
    },
    limits: { plan_seconds: 601, plans_per_requester: 'two' },
    downloads: { allowed_networks: [7], allowed_hosts: ['bad host'] },
    locale: 'fr',
    timezone: 'Mars/Olympus',
  };

  it('prints the whole report in the shell’s language, with its paths and names as they are', async () => {
    const error = await loadError({ LAB_CONFIG: fixture('missing'), LABOPS_ENGINE_PASSWORD: PASSWORD });
    expect(formatConfigProblems(error, 'ko')).toBe(
      [
        `설정에 문제가 6개 있습니다(${fixture('missing')}):`,
        '  - engine.url: 필수 항목입니다',
        '  - hosts[0].address: 필수 항목입니다',
        '  - hosts[1].name: 필수 항목입니다',
        '  - storage.server: 필수 항목입니다',
        '  - policy.approvers: 필수 항목입니다',
        '  - engine.password_env: 비밀 값이 없습니다: 환경 변수 LABOPS_MISSING_FIXTURE_PASSWORD에 값을 설정하십시오',
        HINT_KO,
      ].join('\n'),
    );
    // The same error in English for logs and everyone else.
    expect(formatConfigProblems(error)).toContain('engine.url: is required');
  });

  it('names the environment and the lab file together, and the environment’s own problems', async () => {
    const error = await loadError({
      SLACK_BOT_TOKEN: 'not-a-bot-token-secret',
      SLACK_APP_TOKEN: 'xoxb-swapped-secret',
      PORT: '99999',
      LOG_LEVEL: 'loud',
      LAB_CONFIG: fixture('empty'),
    });
    const text = formatConfigProblems(error, 'ko');
    expect(text.split('\n')).toEqual([
      `설정에 문제가 5개 있습니다(환경 변수 및 ${fixture('empty')}):`,
      '  - SLACK_BOT_TOKEN: 봇 토큰(xoxb-…)이어야 합니다 — OAuth & Permissions에서 복사하십시오',
      '  - SLACK_APP_TOKEN: connections:write 권한이 있는 앱 수준 토큰(xapp-…)이어야 합니다 — Basic Information에서 만드십시오',
      '  - PORT: 65535 이하여야 합니다',
      '  - LOG_LEVEL: fatal, error, warn, info, debug, trace, silent 중 하나여야 합니다',
      '  - empty.yml: 파일이 비어 있습니다 — 파일에 실습 환경을 기술하거나(lab.example.yml 참고), 시뮬레이션 실습 환경을 쓰려면 LAB_CONFIG를 해제하십시오',
      HINT_KO,
    ]);
    expect(text).not.toContain('not-a-bot-token-secret');
    const alone = await loadError({ SLACK_BOT_TOKEN: BOT });
    expect(formatConfigProblems(alone, 'ko').split('\n').slice(0, 2)).toEqual([
      '설정에 문제가 1개 있습니다(환경 변수):',
      '  - SLACK_BOT_TOKEN: SLACK_APP_TOKEN이나 SLACK_SIGNING_SECRET 없이 설정되어 있습니다 — Socket Mode를 쓰려면 SLACK_APP_TOKEN을, HTTP를 쓰려면 SLACK_SIGNING_SECRET을 설정하고, 셸을 쓰려면 SLACK_BOT_TOKEN을 해제하십시오',
    ]);
    const missing = await loadError({ LAB_CONFIG: 'nowhere/lab.yml' });
    expect(missing.detailTexts.map((d) => renderText('ko', d))).toEqual([
      `LAB_CONFIG: 없는 파일을 가리킵니다: ${join(emptyDir, 'nowhere/lab.yml')} — 경로를 고치거나, LAB_CONFIG를 해제하여 ./lab.yml 또는 시뮬레이션 실습 환경을 쓰십시오`,
    ]);
  });

  it('says the hostile file’s problems in Korean: keys, secrets, suggestions, duplicates', async () => {
    const error = await loadError({ LAB_CONFIG: fixture('evil'), LABOPS_ENGINE_PASSWORD: PASSWORD });
    const lines = error.detailTexts.map((d) => renderText('ko', d));
    expect(lines).toEqual(
      expect.arrayContaining([
        'evil.yml: YAML 별칭(*name)이 너무 많습니다 — 문서가 지나치게 커지므로 값을 직접 적으십시오',
        '__proto__: 금지된 키입니다(객체 프로토타입을 변조할 수 있음) — 삭제하십시오',
        'data_center: 비밀 값으로 보입니다. 비밀 값은 환경 변수로만 받습니다 — 파일에서 지우고 환경 변수로 전달하십시오',
        'engine.password: 비밀 값은 환경 변수로만 받습니다 — 이 키를 지우고, 비밀번호는 engine.password_env가 가리키는 변수(기본값 LABOPS_ENGINE_PASSWORD)에 설정하십시오',
        'engine.pasword_env: 알 수 없는 키입니다 — 혹시 "password_env"입니까?',
        'policy.commands["host maintenence"]: 알 수 없는 키입니다 — 혹시 "host maintenance"입니까?',
        "hosts[0].name: 영문자, 숫자, '.', '_', '-'만 쓸 수 있습니다(첫 글자는 영문자나 숫자)",
        'hosts[3].address: 너무 깁니다 — 주소는 최대 253자입니다',
        'hosts[2].name: "hyper2" 값이 hosts[1].name에도 있습니다 — 머신 이름은 서로 달라야 합니다',
        'storage.exports[1].path: export 루트(/export) 밖에 있습니다 — export 디렉터리를 루트 아래로 옮기거나, 그 루트를 storage.export_roots에 추가하십시오',
      ]),
    );
    expect(lines).toHaveLength(16);
    const text = formatConfigProblems(error, 'ko');
    expect(text).not.toContain('hunter2-evil-secret');
    expect(text).not.toContain('xoxb-0000-evil-token');
    expect(error.detailTexts.flatMap((d) => findLeaks(d))).toEqual([]);
  });

  it('gives every field of the schemas its message from the catalog, never zod’s own words', () => {
    const { problems } = parseLabConfig(stringify(everythingWrong), { label: 'lab.yml', env: {} });
    expect(problems.length).toBeGreaterThan(30);
    expect(problems.filter((p) => !isMessage(p.text)).map((p) => p.path)).toEqual([]);
    const lines = inKorean(problems);
    expect(lines.join('\n')).not.toMatch(/labops-text|Invalid input|expected/);
    expect(lines).toEqual(
      expect.arrayContaining([
        'engine.url: 엔진 URL이어야 합니다. 예: https://ovirt.abc.local/ovirt-engine',
        'engine.user: USER@PROFILE 형식이어야 합니다. 예: admin@internal',
        'engine.password_env: 환경 변수의 이름(A-Z, 0-9, _)이어야 합니다. 예: LABOPS_ENGINE_PASSWORD — 비밀번호 자체를 적으면 안 됩니다',
        'engine.ca_file: 비어 있으면 안 됩니다',
        'engine.insecure: true 또는 false여야 합니다',
        'engine.timeout_ms: 밀리초 단위 정수여야 합니다',
        'engine.max_concurrency: 1 이상이어야 합니다',
        'data_center: 비어 있으면 안 됩니다 — 데이터 센터에 이름을 지정하십시오',
        'cluster: 너무 깁니다 — 클러스터 이름은 최대 64자입니다',
        'hosts[0].ssh.port: 1에서 65535 사이여야 합니다',
        'hosts[0].ssh.user: root 같은 POSIX 사용자 이름이어야 합니다',
        'storage.export_roots: 루트가 하나 이상 있어야 합니다. 예: [/export]',
        'storage.exports[0].path: /로 시작하는 절대 경로여야 합니다',
        'storage.exports[0].device: /dev 아래의 블록 장치여야 합니다. 예: /dev/vdb1',
        'storage.exports[1].path: 정규화된 경로여야 합니다(//, /./, 끝의 / 없이) — 일반 절대 경로로 적으십시오',
        'paths: 매핑 형식이어야 합니다(지금은 목록)',
        'baseline.storage_domains[0].type: data 또는 iso여야 합니다',
        'baseline.hosts: 호스트 이름 목록이어야 합니다',
        'policy.approvers: 승인자가 한 명 이상 있어야 합니다. 예: [slack:S0123ABCD]',
        'policy.channels[0]: C0123ABCD나 G0123ABCD 같은 Slack 채널 ID여야 합니다(#이름이 아님) — 채널 세부 정보에서 복사하십시오',
        'policy.expiry_minutes: 1분 이상이어야 합니다',
        'policy.commands["host maintenence"]: 알 수 없는 키입니다 — 혹시 "host maintenance"입니까?',
        'policy.commands["lab status"].risk: `read`, `change`, `destructive`, `critical` 중 하나여야 합니다',
        'limits.plan_seconds: 600초(10분) 이하여야 합니다',
        'limits.plans_per_requester: 숫자여야 합니다. 예: 2',
        'downloads.allowed_networks[0]: CIDR 표기의 네트워크(텍스트)여야 합니다. 예: 192.168.122.0/24',
        'downloads.allowed_hosts[0]: 호스트 이름이어야 합니다. 예: mirror.abc.local',
        'locale: ko 또는 en이어야 합니다',
        'timezone: IANA 시간대여야 합니다. 예: Asia/Seoul',
      ]),
    );
    // English as before, for the tests and logs that read it.
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toContain('paths: must be a mapping, not a list');
  });

  it('says the cross-field rules in Korean with their names and paths', () => {
    const lab = {
      engine: { url: 'http://ovirt.abc.local/ovirt-engine', ca_file: 'ca.pem' },
      hosts: [
        { name: 'hyper1', address: 'hyper1.abc.local' },
        { name: 'HYPER1', address: 'hyper2.abc.local' },
      ],
      storage: {
        server: { name: 'nfs', address: 'nfs.abc.local' },
        export_roots: ['/export', '/export/sub'],
        exports: [
          { name: 'data', path: '/export/data' },
          { name: 'inner', path: '/export/data/inner' },
          { name: 'root', path: '/export' },
          { name: 'away', path: '/srv/away' },
        ],
      },
      baseline: {
        storage_domains: [{ name: 'nfs-data', type: 'data', export: 'dat' }],
        hosts: ['hyper3x', 'nothing-like-it'],
      },
      policy: { approvers: ['shell:alice'] },
    };
    const { problems } = parseLabConfig(stringify(lab), { label: 'lab.yml', env: {} });
    expect(inKorean(problems)).toEqual([
      'engine.url: https를 써야 합니다 — 일반 http는 engine.insecure: true일 때만 허용됩니다',
      'hosts[1].name: "HYPER1" 값이 hosts[0].name에도 있습니다 — 머신 이름은 서로 달라야 합니다',
      'storage.export_roots[1]: 루트 "/export"와 겹칩니다(한쪽이 다른 쪽을 포함) — export 루트는 서로를 포함하면 안 됩니다',
      'storage.exports[1].path: storage.exports[0].path 안에 있습니다 — 한쪽을 비우면 다른 쪽도 비워지므로 나란히 있는 디렉터리를 쓰십시오',
      'storage.exports[2].path: export 루트 그 자체입니다 — export 디렉터리는 루트 아래에 있어야 합니다. 예: /export/data',
      'storage.exports[3].path: export 루트(/export, /export/sub) 밖에 있습니다 — export 디렉터리를 루트 아래로 옮기거나, 그 루트를 storage.export_roots에 추가하십시오',
      'baseline.hosts[0]: 알 수 없는 호스트입니다: "hyper3x" — 혹시 "hyper1"입니까?',
      'baseline.hosts[1]: 알 수 없는 호스트입니다: "nothing-like-it" — 다음 중 하나를 쓰십시오: hyper1, HYPER1',
      'baseline.storage_domains[0].export: 알 수 없는 export입니다: "dat" — 혹시 "data"입니까?',
      'engine.password_env: 비밀 값이 없습니다: 환경 변수 LABOPS_ENGINE_PASSWORD에 값을 설정하십시오',
    ]);
  });

  it('renders a problem with the document itself as its place', () => {
    const problem = createProblem(formatPath([]), msg('config.problem.required'));
    expect(problem.message).toBe('is required');
    expect(renderText('en', describeProblem(problem))).toBe('(top level): is required');
    expect(renderText('ko', describeProblem(problem))).toBe('(최상위): 필수 항목입니다');
  });
});

describe('the shell’s language (readShellLocale)', () => {
  it('takes --lang first, then LC_ALL, LC_MESSAGES and LANG as POSIX orders them', () => {
    expect(readShellLocale(['--lang', 'ko'], { LANG: 'en_US.UTF-8' })).toBe('ko');
    expect(readShellLocale(['--lang=en'], { LC_ALL: 'ko_KR.UTF-8' })).toBe('en');
    expect(readShellLocale([], { LC_ALL: 'ko_KR.UTF-8', LANG: 'en_US.UTF-8' })).toBe('ko');
    expect(readShellLocale([], { LC_ALL: '', LC_MESSAGES: 'en_GB', LANG: 'ko_KR.UTF-8' })).toBe('en');
    expect(readShellLocale([], { LANG: 'ko_KR.UTF-8' })).toBe('ko');
    // A language labops does not speak in the environment leaves the lab's.
    expect(readShellLocale([], { LANG: 'fr_FR.UTF-8' })).toBeUndefined();
    expect(readShellLocale([], { LANG: 'C.UTF-8' })).toBeUndefined();
  });

  it('refuses a --lang it does not speak in English, listing the languages it speaks', () => {
    const refusal = (argv: string[]) => {
      try {
        readShellLocale(argv, { LANG: 'ko_KR.UTF-8' });
      } catch (error) {
        if (isLabopsError(error)) return error;
        throw error;
      }
      throw new Error('expected a refusal');
    };
    const unknown = refusal(['--lang', 'fr']);
    expect(unknown.code).toBe('CONFIG');
    expect(formatConfigProblems(unknown)).toBe(
      ['--lang fr is not a language labops speaks.', 'Hint: Use --lang en or --lang ko.'].join('\n'),
    );
    expect(formatConfigProblems(refusal(['--lang=ko-KR']))).toMatch(/^--lang ko-KR is not a language/);
    expect(formatConfigProblems(refusal(['--lang']))).toBe(
      ['--lang needs a language.', 'Hint: Use --lang en or --lang ko.'].join('\n'),
    );
    expect(refusal(['--lang', '--yes']).message).toBe('--lang needs a language.');
  });
});
