import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CONFIG_EXIT_CODE } from '../../src/config.js';
import { REPO_ROOT } from '../support/processes.js';
import { SlackApiStandIn } from '../support/slack-api.js';
import { SocketModeStandIn } from '../support/slack-socket.js';

// deploy/labops.service (issue 12 §2): checked by systemd's own parser, then its ExecStart run as a
// non-root user with the unit's environment, as systemd would start it, against the Slack stand-ins.

const UNIT_FILE = join(REPO_ROOT, 'deploy', 'labops.service');
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';
/** Debian's nobody/nogroup: the bot runs as a user that owns nothing but its state directory. */
const NOBODY = 65534;
const BOT_TOKEN = 'xoxb-service-test';
const APP_TOKEN = 'xapp-service-test';
const ENGINE_PASSWORD = `engine-${randomUUID()}`;
/** How long a start may take on a loaded 2-core machine (it takes well under a second alone). */
const START_MS = 15_000;

type Unit = Map<string, Map<string, string[]>>;

/** The unit file's sections and keys (systemd.syntax(7)); repeated keys keep every value in order. */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.endsWith('\\')) throw new Error(`line ${index + 1}: continued lines are not parsed here`);
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = new Map();
      unit.set(header[1]!, section);
      continue;
    }
    const eq = line.indexOf('=');
    if (!section || eq < 0) throw new Error(`line ${index + 1}: not a key in a section: ${line}`);
    const key = line.slice(0, eq).trim();
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return unit;
}

function one(unit: Unit, section: string, key: string): string {
  const values = unit.get(section)?.get(key) ?? [];
  if (values.length !== 1) throw new Error(`[${section}] ${key} is set ${values.length} times`);
  return values[0]!;
}

/** NAME=value lines, as systemd.exec(5) reads an EnvironmentFile (comments, optional quotes). */
function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new Error(`not NAME=value: ${line}`);
    env[match[1]!] = match[2]!.replace(/^"(.*)"$|^'(.*)'$/, '$1$2');
  }
  return env;
}

/** The unit's paths on this machine: the checkout for /opt/labops, a temporary root for the rest. */
function relocate(value: string, root: string): string {
  return value
    .replaceAll('/opt/labops', REPO_ROOT.replace(/\/$/, ''))
    .replaceAll('/etc/labops', join(root, 'etc/labops'))
    .replaceAll('/var/lib/labops', join(root, 'var/lib/labops'));
}

/** ExecStart's words; the node binary becomes the one running the tests (node_modules was built for it). */
function readExecStart(unit: Unit, root: string): string[] {
  const line = one(unit, 'Service', 'ExecStart');
  if (/["'$%\\]/.test(line)) throw new Error(`ExecStart needs systemd's quoting rules: ${line}`);
  const [binary, ...args] = line.split(/\s+/);
  if (!binary?.endsWith('/node')) throw new Error(`ExecStart does not run node: ${line}`);
  return [process.execPath, ...args.map((arg) => relocate(arg, root))];
}

/** `npm run build` when dist/ is missing or older than the sources, as `npm start` decides. */
async function ensureBuilt(): Promise<void> {
  const { newestSource } = (await import(pathToFileURL(join(REPO_ROOT, 'scripts/sources.mjs')).href)) as {
    newestSource(root: string): number;
  };
  const stamp = join(REPO_ROOT, 'dist', 'BUILT_FROM');
  const builtFrom = existsSync(stamp) ? Number(readFileSync(stamp, 'utf8').trim()) : Number.NaN;
  if (existsSync(join(REPO_ROOT, 'dist', 'main.js')) && builtFrom >= newestSource(REPO_ROOT)) return;
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'pipe' });
}

/** `systemd-analyze verify` of a unit file; both streams, since its exit code ignores bad keys. */
function verify(path: string): { status: number | null; stdout: string; stderr: string } {
  if (!existsSync(SYSTEMD_ANALYZE))
    throw new Error(`${SYSTEMD_ANALYZE} is missing: apt-get install systemd (npm test's pretest does)`);
  // No systemd runs as PID 1 in the test container: verify loads the unit offline and needed no
  // flag for it (systemd 252). --man=no: no man pages are looked up for Documentation=;
  // --recursive-errors=no: the host's own units named by After=/WantedBy= are not judged.
  const result = spawnSync(SYSTEMD_ANALYZE, ['verify', '--man=no', '--recursive-errors=no', path], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SYSTEMD_LOG_COLOR: '0', SYSTEMD_PAGER: '' },
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const isRoot = process.getuid?.() === 0;

/**
 * Starts the unit's ExecStart as systemd would: as a non-root user (nobody, dropped to with
 * setpriv, when the tests run as root; else the tests' own user, already not root), in its
 * WorkingDirectory, with only its Environment=, EnvironmentFile= and what systemd adds itself.
 */
function startService(unit: Unit, root: string, extraEnv: Record<string, string> = {}): ChildProcess {
  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin',
    // systemd takes HOME from the user's entry; the README creates labops with /var/lib/labops.
    HOME: join(root, 'var/lib/labops'),
    USER: 'labops',
    LOGNAME: 'labops',
  };
  for (const assignment of unit.get('Service')?.get('Environment') ?? []) {
    const eq = assignment.indexOf('=');
    env[assignment.slice(0, eq)] = relocate(assignment.slice(eq + 1), root);
  }
  const envFile = relocate(one(unit, 'Service', 'EnvironmentFile'), root);
  Object.assign(env, parseEnvironmentFile(readFileSync(envFile, 'utf8')), extraEnv);
  const [node, ...args] = readExecStart(unit, root);
  const drop = isRoot
    ? ['/usr/bin/setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--']
    : [];
  const [command, ...rest] = [...drop, node!, ...args];
  return spawn(command!, rest, {
    cwd: relocate(one(unit, 'Service', 'WorkingDirectory'), root),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collects a child's stderr as JSON log lines (and the raw text), and its exit. */
function watch(child: ChildProcess) {
  let stderr = '';
  let parsed = 0;
  const logs: Record<string, unknown>[] = [];
  child.stderr?.on('data', (data: Buffer) => {
    stderr += data.toString();
    for (let end = stderr.indexOf('\n', parsed); end >= 0; end = stderr.indexOf('\n', parsed)) {
      const line = stderr.slice(parsed, end);
      parsed = end + 1;
      // A configuration error is plain text for people, not a log line.
      if (line.startsWith('{')) logs.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  child.stdout?.on('data', () => undefined);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { logs, exited, stderr: () => stderr };
}

let unit: Unit;
let root: string;
let api: SlackApiStandIn;
let socket: SocketModeStandIn;

beforeAll(async () => {
  unit = parseUnit(readFileSync(UNIT_FILE, 'utf8'));
  await ensureBuilt();
  socket = await SocketModeStandIn.start();
  api = await SlackApiStandIn.start({ botToken: BOT_TOKEN, socketUrl: () => socket.url() });
  // lab.example.yml's policy: askers are the group S0LABUSERS, in the channel C0LABOPS01.
  api.addChannel('C0LABOPS01', ['U0ALICE01']);
  api.groups.set('S0LABUSERS', ['U0ALICE01']);
  api.groups.set('S0LABADMIN', []);

  // The machine's layout under a temporary root: /etc/labops and the state directory.
  root = mkdtempSync(join(tmpdir(), 'labops-service-'));
  chmodSync(root, 0o755);
  const etc = join(root, 'etc/labops');
  const state = join(root, 'var/lib/labops');
  mkdirSync(etc, { recursive: true });
  mkdirSync(state, { recursive: true, mode: 0o700 });
  chmodSync(join(root, 'etc'), 0o755);
  chmodSync(etc, 0o755);
  for (const dir of [join(root, 'var'), join(root, 'var/lib')]) chmodSync(dir, 0o755);
  // StateDirectory= hands the state directory to the service's user, mode 700 (StateDirectoryMode).
  if (isRoot) chownSync(state, NOBODY, NOBODY);

  // The README's lab file and the engine's CA: root's, readable by the service's group (640).
  copyFileSync(join(REPO_ROOT, 'lab.example.yml'), join(etc, 'lab.yml'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      '/CN=ovirt.abc.local',
      '-days',
      '1',
      '-keyout',
      join(root, 'ca.key'),
      '-out',
      join(etc, 'ovirt-ca.pem'),
    ],
    { stdio: 'pipe' },
  );
  for (const file of ['lab.yml', 'ovirt-ca.pem']) {
    chmodSync(join(etc, file), 0o640);
    if (isRoot) chownSync(join(etc, file), 0, NOBODY);
  }
  // The secrets: root's alone (600), read by systemd before it drops to the service's user.
  const envFile = relocate(one(unit, 'Service', 'EnvironmentFile'), root);
  writeFileSync(
    envFile,
    [
      '# Stand-in tokens (deploy/labops.env.example lists the names).',
      `SLACK_BOT_TOKEN=${BOT_TOKEN}`,
      `SLACK_APP_TOKEN="${APP_TOKEN}"`,
      `LABOPS_ENGINE_PASSWORD=${ENGINE_PASSWORD}`,
      `SLACK_API_URL=${api.apiUrl}`,
      // Health on a port of the system's choosing: 9470 may be a real labops's on this machine.
      'HEALTH_PORT=0',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
});

afterAll(async () => {
  await socket?.close();
  await api?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('deploy/labops.service (issue 12 §2)', () => {
  it('passes systemd-analyze verify with nothing on stderr, which a misspelled key would print', () => {
    const dir = mkdtempSync(join(tmpdir(), 'labops-unit-'));
    try {
      // ExecStart must name an executable that exists: the node running the tests, this checkout's
      // build. User=labops stays: verify does not look users up (it only refuses special ones).
      const [node, ...args] = readExecStart(unit, '/nonexistent');
      expect(existsSync(args.at(-1)!), 'dist/main.js is built').toBe(true);
      const text = readFileSync(UNIT_FILE, 'utf8').replace(
        /^ExecStart=.*$/m,
        `ExecStart=${[node, ...args].join(' ')}`,
      );
      const good = join(dir, 'labops.service');
      writeFileSync(good, text);
      expect(verify(good)).toEqual({ status: 0, stdout: '', stderr: '' });

      // The check can fail: a misspelled key and a bad value are warnings, and whether they change
      // the exit code depends on the flags and systemd's version — stderr is what tells.
      const broken = join(dir, 'broken', 'labops.service');
      mkdirSync(join(dir, 'broken'));
      writeFileSync(
        broken,
        text.replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes').replace('=strict', '=strictly'),
      );
      const result = verify(broken);
      expect(result.stderr).toContain("Unknown key 'NoNewPrivilege' in section [Service]");
      expect(result.stderr).toMatch(/Failed to parse .*strictly/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs as its own user with its state under /var/lib/labops, hardened, and never loops on exit 2', () => {
    const service = unit.get('Service')!;
    expect([one(unit, 'Service', 'User'), one(unit, 'Service', 'Group')]).toEqual(['labops', 'labops']);
    expect(one(unit, 'Service', 'StateDirectory')).toBe('labops');
    const execStart = one(unit, 'Service', 'ExecStart');
    expect(execStart).toMatch(
      /^\/usr\/bin\/node --enable-source-maps (--\S+ )*\/opt\/labops\/dist\/main\.js$/,
    );
    // The V8 flags the bench measured (issue 12 §6), the same as npm start's.
    const start = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).scripts.start as string;
    expect(start).toMatch(/^(MALLOC_\w+=\S+ )*node (--\S+ )*scripts\/start\.mjs$/);
    const flagsOf = (words: string) => words.split(' ').filter((word) => word.startsWith('--'));
    expect(flagsOf(execStart).filter((flag) => flag !== '--enable-source-maps')).toEqual(flagsOf(start));
    expect(flagsOf(start)).toEqual(expect.arrayContaining(['--max-semi-space-size=2', '--expose-gc']));
    // And the same settings of glibc's malloc.
    const mallocOf = (words: string[]) => words.filter((word) => word.startsWith('MALLOC_')).sort();
    expect(mallocOf(service.get('Environment') ?? [])).toEqual(mallocOf(start.split(' ')));
    expect(mallocOf(start.split(' '))).toEqual(['MALLOC_TRIM_THRESHOLD_=131072']);
    expect(service.get('Environment')).toEqual(
      expect.arrayContaining([
        'LAB_CONFIG=/etc/labops/lab.yml',
        'LABOPS_DATA_DIR=/var/lib/labops',
        expect.stringMatching(/^LABOPS_SSH_KEY_FILE=\/var\/lib\/labops\//),
      ]),
    );
    expect(one(unit, 'Service', 'EnvironmentFile')).toBe('/etc/labops/labops.env');
    expect(one(unit, 'Service', 'Restart')).toBe('on-failure');
    expect(one(unit, 'Service', 'RestartPreventExitStatus').split(/\s+/)).toContain(String(CONFIG_EXIT_CODE));
    for (const [key, value] of Object.entries({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      ReadWritePaths: '/var/lib/labops',
      PrivateTmp: 'yes',
    }))
      expect(one(unit, 'Service', key), key).toBe(value);
    // V8's JIT writes the code it runs: W^X would kill node at start.
    expect(service.has('MemoryDenyWriteExecute')).toBe(false);
  });

  it(
    'starts its ExecStart as a non-root user with the unit’s environment: store opened, Socket Mode connected, a command answered',
    async () => {
      const child = startService(unit, root);
      const bot = watch(child);
      try {
        const connected = socket.connections;
        await vi.waitFor(
          () => {
            if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${bot.stderr()}`);
            expect(bot.logs.map((l) => l.msg)).toContain('Slack Socket Mode connected');
          },
          { timeout: START_MS, interval: 20 },
        );
        expect(socket.connections).toBe(connected + 1);
        // The store and its lock, made by the service's user in the state directory.
        const state = join(root, 'var/lib/labops');
        for (const file of ['labops.db', 'labops.lock']) {
          expect(statSync(join(state, file)).uid, file).toBe(isRoot ? NOBODY : process.getuid?.());
        }

        const answered = api.responses.length;
        await socket.send('slash_commands', {
          token: 'deprecated',
          team_id: 'T1',
          channel_id: 'C0LABOPS01',
          user_id: 'U0ALICE01',
          user_name: 'alice',
          command: '/lab',
          text: 'help',
          api_app_id: 'A1',
          response_url: api.responseUrl(),
          trigger_id: `trig-${randomUUID()}`,
        });
        await vi.waitFor(() => expect(api.responses.length).toBeGreaterThan(answered), {
          timeout: START_MS,
          interval: 20,
        });
        expect(JSON.stringify(api.responses.slice(answered))).toContain('/host maintenance');
        // The lab is LAB_CONFIG's file, not the simulator: its policy's asker group was looked up.
        expect(api.callsOf('usergroups.users.list').map((c) => c.args.usergroup)).toContain('S0LABUSERS');
        expect(bot.stderr()).not.toContain('SIMULATED LAB');

        // systemctl stop: SIGTERM, and a clean exit (no "failed" state, nothing to restart).
        child.kill('SIGTERM');
        expect(await bot.exited).toBe(0);
        const text = bot.stderr();
        for (const secret of [BOT_TOKEN, APP_TOKEN, ENGINE_PASSWORD]) expect(text).not.toContain(secret);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
    START_MS * 3,
  );

  it(
    'exits with RestartPreventExitStatus’s code on a broken lab file, naming the problem',
    async () => {
      const broken = join(root, 'etc/labops/broken.yml');
      writeFileSync(
        broken,
        readFileSync(join(REPO_ROOT, 'lab.example.yml'), 'utf8').replace('hosts:', 'hsots:'),
      );
      chmodSync(broken, 0o644);
      const bot = watch(startService(unit, root, { LAB_CONFIG: broken }));
      expect(await bot.exited).toBe(CONFIG_EXIT_CODE);
      expect(bot.stderr()).toContain('hsots');
      expect(bot.stderr()).toContain('broken.yml');
    },
    START_MS,
  );

  it(
    'exits with that code, not into a shell, when the EnvironmentFile leaves the Slack tokens blank',
    async () => {
      const bot = watch(startService(unit, root, { SLACK_BOT_TOKEN: '', SLACK_APP_TOKEN: '' }));
      expect(await bot.exited).toBe(CONFIG_EXIT_CODE);
      expect(bot.stderr()).toContain('LABOPS_MODE: is socket, but the Slack variables choose shell');
    },
    START_MS,
  );
});
