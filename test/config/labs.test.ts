import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  CONFIG_EXIT_CODE,
  DEFAULT_LAB_NAME,
  formatConfigProblems,
  type LabSource,
  type LoadedConfig,
  loadConfig,
} from '../../src/config.js';
import { isLabopsError, type LabopsError } from '../../src/errors.js';
import { findLeaks } from '../support/i18n-leaks.js';

const fixtures = fileURLToPath(new URL('../fixtures/config/', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Each lab's own secrets (issue 13 §1). */
const SECRETS = {
  TEAM1_ENGINE_PASSWORD: 'team1-Engine-Secret',
  TEAM2_ENGINE_PASSWORD: 'team2-Engine-Secret',
  TEAM1_SSH_PASSWORD: 'team1-Root-Secret',
  TEAM2_SSH_PASSWORD: 'team2-Root-Secret',
};

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'labops-labs-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function loadError(env: Record<string, string | undefined>, cwd = work): Promise<LabopsError> {
  const error = await loadConfig({ env, cwd }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isLabopsError(error)) throw new Error('expected a configuration error');
  return error;
}

function fileLab(config: LoadedConfig, index: number): Extract<LabSource, { kind: 'file' }> {
  const lab = config.labs[index];
  if (lab?.kind !== 'file') throw new Error(`expected lab ${index} from a file`);
  return lab;
}

/** One team's lab on its own routed network, 10.10.N.0/24. */
function teamLab(n: number, changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    engine: {
      url: `https://10.10.${n}.10/ovirt-engine`,
      password_env: `TEAM${n}_ENGINE_PASSWORD`,
      insecure: true,
    },
    hosts: [
      { name: 'hyper1', address: `10.10.${n}.11` },
      { name: 'hyper2', address: `10.10.${n}.12` },
    ],
    storage: {
      server: { name: 'ovirt', address: `10.10.${n}.10` },
      exports: [{ name: 'data', path: '/export/data' }],
    },
    policy: { approvers: [`slack:U0TEAM${n}LD`], channels: [`C0TEAM${n}`] },
    ...changes,
  };
}

let written = 0;
/** Writes a lab file (or, given several names, a directory of them) and returns its path. */
async function writeLabFile(document: unknown): Promise<string> {
  const path = join(work, `lab-${++written}.yml`);
  await writeFile(path, stringify(document));
  return path;
}

async function writeLabDir(files: Record<string, unknown>): Promise<string> {
  const dir = join(work, `labs-${++written}`);
  await mkdir(dir);
  for (const [name, document] of Object.entries(files)) {
    await writeFile(join(dir, name), typeof document === 'string' ? document : stringify(document));
  }
  return dir;
}

describe('a single-lab file (the format of before issue 13)', () => {
  it('is one lab named default, its downloads and limits the bot’s, LABOPS_SSH_PASSWORD its first login', async () => {
    const config = await loadConfig({
      env: { LAB_CONFIG: 'lab.example.yml', LABOPS_ENGINE_PASSWORD: 'pw', LABOPS_SSH_PASSWORD: 'root-pw' },
      cwd: repoRoot,
    });
    const lab = fileLab(config, 0);
    expect(config.labs).toHaveLength(1);
    expect([lab.name, lab.path, lab.enginePassword, lab.sshPassword]).toEqual([
      DEFAULT_LAB_NAME,
      join(repoRoot, 'lab.example.yml'),
      'pw',
      'root-pw',
    ]);
    expect(config.downloads).toEqual({
      allowed_networks: ['192.168.122.0/24'],
      allowed_hosts: ['mirror.abc.local'],
    });
    expect(config.limits).toEqual({ plan_seconds: 20, plans_per_requester: 2, labs_in_parallel: 10 });
    expect(config.instructors).toEqual([]);
    expect(lab.config.engine.ca_file).toBe(join(repoRoot, 'ovirt-ca.pem'));
    // The secrets stay out of what is logged.
    expect(JSON.stringify(config)).not.toMatch(/root-pw|"pw"/);
  });

  it('may name its lab, its instructors and its own SSH password variable', async () => {
    const path = await writeLabFile({
      ...teamLab(1, { ssh_password_env: 'TEAM1_SSH_PASSWORD' }),
      name: 'team1',
      instructors: ['shell:teacher'],
      limits: { labs_in_parallel: 4 },
    });
    const config = await loadConfig({
      env: { ...SECRETS, LAB_CONFIG: path, LABOPS_SSH_PASSWORD: 'x' },
      cwd: work,
    });
    const lab = fileLab(config, 0);
    expect([lab.name, lab.enginePassword, lab.sshPassword]).toEqual([
      'team1',
      SECRETS.TEAM1_ENGINE_PASSWORD,
      SECRETS.TEAM1_SSH_PASSWORD,
    ]);
    expect(config.instructors).toEqual(['shell:teacher']);
    expect(config.limits.labs_in_parallel).toBe(4);
  });
});

describe('a lab file of several labs', () => {
  it('loads each lab by name with its own secrets, and the bot’s downloads, limits and instructors', async () => {
    const config = await loadConfig({
      env: { ...SECRETS, LAB_CONFIG: join(fixtures, 'multi.yml'), LABOPS_SSH_PASSWORD: 'shared-Root-Secret' },
      cwd: work,
    });
    expect(config.labs.map((lab) => lab.name)).toEqual(['team1', 'team2']);
    const [team1, team2] = [fileLab(config, 0), fileLab(config, 1)];
    expect([team1.path, team2.path]).toEqual([join(fixtures, 'multi.yml'), join(fixtures, 'multi.yml')]);
    expect([team1.enginePassword, team2.enginePassword]).toEqual([
      SECRETS.TEAM1_ENGINE_PASSWORD,
      SECRETS.TEAM2_ENGINE_PASSWORD,
    ]);
    // No shared default with more than one lab: team2 names no SSH password variable.
    expect([team1.sshPassword, team2.sshPassword]).toEqual([SECRETS.TEAM1_SSH_PASSWORD, undefined]);
    expect(config.warnings).toEqual([
      expect.stringMatching(/^labs\.team2\.engine\.insecure is true: /),
      expect.stringMatching(/^LABOPS_SSH_PASSWORD is ignored with more than one lab/),
    ]);
    expect(team1.config.engine.ca_file).toBe(join(fixtures, 'team1-ca.pem'));
    expect([team1.config.locale, team2.config.locale]).toEqual(['en', 'ko']);
    expect(team2.config.hosts.map((h) => h.address)).toEqual(['10.10.2.11', '10.10.2.12']);
    expect(team1.config.policy.channels).toEqual(['C0TEAM1']);
    expect(config.instructors).toEqual(['slack:S0INSTRUCT', 'shell:teacher']);
    expect(config.downloads).toEqual({
      allowed_networks: ['10.10.0.0/24'],
      allowed_hosts: ['mirror.class.local'],
    });
    expect(config.limits).toEqual({ plan_seconds: 7, plans_per_requester: 2, labs_in_parallel: 10 });
    expect(config.dataDir).toBe(join(work, 'data'));
    const shown = JSON.stringify(config) + config.warnings.join('\n');
    for (const secret of [...Object.values(SECRETS), 'shared-Root-Secret'])
      expect(shown).not.toContain(secret);
    expect(Object.isFrozen(team2.config.hosts)).toBe(true);
  });

  it('loads lab.multi.example.yml: two teams on routed networks', async () => {
    const config = await loadConfig({
      env: { ...SECRETS, LAB_CONFIG: 'lab.multi.example.yml' },
      cwd: repoRoot,
    });
    expect(config.labs.map((lab) => lab.name)).toEqual(['team1', 'team2']);
    expect(config.labs.map((lab) => lab.kind === 'file' && lab.config.engine.url)).toEqual([
      'https://10.10.1.10/ovirt-engine',
      'https://10.10.2.10/ovirt-engine',
    ]);
    expect(config.labs.map((lab) => lab.kind === 'file' && lab.sshPassword)).toEqual([
      SECRETS.TEAM1_SSH_PASSWORD,
      SECRETS.TEAM2_SSH_PASSWORD,
    ]);
    expect(config.instructors).toEqual(['slack:S0INSTRUCT', 'shell:teacher']);
    expect(config.limits.labs_in_parallel).toBe(10);
    const text = await readFile(join(repoRoot, 'lab.multi.example.yml'), 'utf8');
    expect(text).toMatch(/one bot per lab machine/);
  });

  it('takes a lone lab under labs: with the single lab’s defaults', async () => {
    const path = await writeLabFile({
      labs: { 'secret-lab': teamLab(1, { engine: { url: 'https://10.10.1.10', insecure: true } }) },
    });
    const config = await loadConfig({
      env: { LAB_CONFIG: path, LABOPS_ENGINE_PASSWORD: 'pw', LABOPS_SSH_PASSWORD: 'rp' },
      cwd: work,
    });
    const lab = fileLab(config, 0);
    expect([lab.name, lab.enginePassword, lab.sshPassword]).toEqual(['secret-lab', 'pw', 'rp']);
  });

  it('reports every problem of every lab at once, each under its lab, and exits 2', async () => {
    const path = await writeLabFile({
      instructors: ['alice'],
      engine: { url: 'https://10.10.9.10' },
      labs: {
        team1: teamLab(1, { hosts: [{ name: 'hyper1' }], downloads: {} }),
        team2: teamLab(2, { clster: 'Default', name: 'team2', ssh_password_env: 'TEAM2_ROOT' }),
        'Team-3': teamLab(3),
      },
    });
    const error = await loadError({ ...SECRETS, TEAM3_ENGINE_PASSWORD: 'pw', LAB_CONFIG: path });
    expect(error.code).toBe('CONFIG');
    expect(CONFIG_EXIT_CODE).toBe(2);
    expect(error.message).toBe(`Configuration has 8 problems in ${path}:`);
    expect(error.details).toEqual([
      'engine: is a lab’s setting — with labs:, it goes under each lab (labs.NAME)',
      'labs.team1.downloads: is the bot’s setting, for every lab — move it to the top of the file',
      'labs.team2.name: is not needed — the key under labs: is the lab’s name',
      expect.stringMatching(/^instructors\[0\]: must be slack:U…\/slack:W… \(a user\)/),
      'labs.team1.hosts[0].address: is required',
      'labs.team2.clster: unknown key — did you mean "cluster"?',
      expect.stringMatching(/^labs\["Team-3"\]: must be a lab’s name: lower-case letters, digits and -/),
      'labs.team2.ssh_password_env: missing secret: set TEAM2_ROOT in the environment',
    ]);
  });

  it('requires each lab’s engine.password_env when there is more than one lab', async () => {
    const { password_env: _, ...engine } = teamLab(2).engine as Record<string, unknown>;
    const path = await writeLabFile({ labs: { team1: teamLab(1), team2: teamLab(2, { engine }) } });
    const error = await loadError({ ...SECRETS, LABOPS_ENGINE_PASSWORD: 'shared', LAB_CONFIG: path });
    expect(error.details).toEqual([
      'labs.team2.engine.password_env: is required with more than one lab — name this lab’s own variable, e.g. TEAM1_ENGINE_PASSWORD',
    ]);
  });

  it('refuses two labs whose engines share an address, saying labs behind identical NAT need a bot each', async () => {
    const team2 = teamLab(2, {
      engine: {
        url: 'https://10.10.1.10:8443/ovirt-engine',
        password_env: 'TEAM2_ENGINE_PASSWORD',
        insecure: true,
      },
    });
    const path = await writeLabFile({ labs: { team1: teamLab(1), team2 } });
    const error = await loadError({ ...SECRETS, LAB_CONFIG: path });
    expect(error.details).toEqual([
      'labs.team2.engine.url: "10.10.1.10" is also labs.team1.engine.url — two labs cannot share an address, one bot could not tell them apart (labs behind identical NAT: one bot per lab machine)',
    ]);
  });

  it('refuses two labs sharing a machine’s address, whatever its case', async () => {
    // Two copies of the lab guide's lab: the same names behind each machine's NAT.
    const guide = (n: number) =>
      teamLab(n, {
        hosts: [{ name: 'hyper1', address: 'Hyper1.ABC.local' }],
        storage: {
          server: { name: 'ovirt', address: `10.10.${n}.10` },
          exports: [{ name: 'data', path: '/export/data' }],
        },
      });
    const path = await writeLabFile({
      labs: {
        team1: guide(1),
        team2: { ...guide(2), hosts: [{ name: 'hyper1', address: 'hyper1.abc.LOCAL' }] },
      },
    });
    const error = await loadError({ ...SECRETS, LAB_CONFIG: path });
    expect(error.details).toEqual([
      expect.stringMatching(
        /^labs\.team2\.hosts\[0\]\.address: "hyper1\.abc\.LOCAL" is also labs\.team1\.hosts\[0\]\.address — .*\(labs behind identical NAT: one bot per lab machine\)$/,
      ),
    ]);
  });
});

describe('a directory of lab files', () => {
  it('is one lab per NAME.yml in the order of their names, with labops.yml the bot’s settings', async () => {
    const dir = join(fixtures, 'labs');
    const config = await loadConfig({ env: { ...SECRETS, LAB_CONFIG: dir }, cwd: work });
    expect(config.labs.map((lab) => lab.name)).toEqual(['team1', 'team2']);
    const [team1, team2] = [fileLab(config, 0), fileLab(config, 1)];
    expect([team1.path, team2.path]).toEqual([join(dir, 'team1.yml'), join(dir, 'team2.yml')]);
    expect([team1.enginePassword, team2.enginePassword]).toEqual([
      SECRETS.TEAM1_ENGINE_PASSWORD,
      SECRETS.TEAM2_ENGINE_PASSWORD,
    ]);
    expect(team2.config.engine.ca_file).toBe(join(dir, 'team2-ca.pem'));
    expect(config.instructors).toEqual(['slack:S0INSTRUCT']);
    expect(config.limits).toEqual({ plan_seconds: 20, plans_per_requester: 2, labs_in_parallel: 3 });
    expect(config.downloads).toEqual({ allowed_networks: [], allowed_hosts: [] });
  });

  it('takes the bot’s defaults without labops.yml', async () => {
    const dir = await writeLabDir({
      'team2.yaml': teamLab(2),
      'team1.yml': teamLab(1),
      'team1-ca.pem': 'not yaml',
    });
    const config = await loadConfig({ env: { ...SECRETS, LAB_CONFIG: dir }, cwd: work });
    expect(config.labs.map((lab) => lab.name)).toEqual(['team1', 'team2']);
    expect(config.limits.labs_in_parallel).toBe(10);
    expect(config.instructors).toEqual([]);
  });

  it('reports every file’s problems at once, each path after its file', async () => {
    const { password_env: _, ...engine } = teamLab(2).engine as Record<string, unknown>;
    const dir = await writeLabDir({
      'labops.yml': { limits: { labs_in_parallel: 0 }, policy: {} },
      'team1.yml': teamLab(1, { limits: { plan_seconds: 5 } }),
      'team1.yaml': teamLab(3),
      'team2.yml': teamLab(2, { engine, hosts: [{ name: 'hyper1', address: '10.10.1.11' }] }),
      'Team_4.yml': teamLab(4),
    });
    const error = await loadError({ ...SECRETS, LAB_CONFIG: dir });
    expect(error.message).toBe(`Configuration has 7 problems in ${dir}:`);
    expect(error.details).toEqual([
      'labops.yml: limits.labs_in_parallel: must be at least 1',
      'labops.yml: policy: unknown key — remove it (known keys: instructors, downloads, limits)',
      expect.stringMatching(/^Team_4\.yml: "Team_4" is not a lab’s name — rename the file/),
      'team1.yml: limits: is the bot’s setting, for every lab — move it to labops.yml in this directory',
      'team1.yaml: describes the same lab as team1.yml — keep one file per lab',
      'team2.yml: engine.password_env: is required with more than one lab — name this lab’s own variable, e.g. TEAM1_ENGINE_PASSWORD',
      expect.stringMatching(
        /^team2\.yml: hosts\[0\]\.address: "10\.10\.1\.11" is also team1\.yml: hosts\[0\]\.address — /,
      ),
    ]);
  });

  it('holding no lab file is a problem of LAB_CONFIG', async () => {
    const dir = await writeLabDir({ 'labops.yml': { instructors: [] } });
    const error = await loadError({ LAB_CONFIG: dir });
    expect(error.details).toEqual([
      expect.stringMatching(
        /^LAB_CONFIG: names a directory with no lab file in it: .* — put one NAME\.yml per lab there/,
      ),
    ]);
  });
});

describe('simulated labs (LABOPS_SIM_LABS, issue 13 §4)', () => {
  it('starts one lab by default (named default, as the rows of before), and N named lab1…labN', async () => {
    expect((await loadConfig({ env: {}, cwd: work })).labs).toEqual([{ kind: 'simulated', name: 'default' }]);
    const config = await loadConfig({
      env: { LABOPS_SIM_LABS: '3', LABOPS_APPROVERS: 'U0CAROL01' },
      cwd: work,
    });
    expect(config.labs).toEqual([
      { kind: 'simulated', name: 'lab1' },
      { kind: 'simulated', name: 'lab2' },
      { kind: 'simulated', name: 'lab3' },
    ]);
    // The simulated labs' built-in approvers are their instructors, with carol when there are
    // several, so that a reset of every lab can be asked and approved by two others.
    expect(config.instructors).toEqual(['shell:alice', 'shell:bob', 'shell:carol', 'slack:U0CAROL01']);
    expect((await loadConfig({ env: {}, cwd: work })).instructors).toEqual(['shell:alice', 'shell:bob']);
    expect(config.limits.labs_in_parallel).toBe(10);
    expect(config.dataDir).toBeUndefined();
    expect((await loadConfig({ env: { LABOPS_SIM_LABS: ' 50 ' }, cwd: work })).labs).toHaveLength(50);
  });

  it.each(['0', '51', 'x', '2.5', '-1'])('refuses LABOPS_SIM_LABS=%s', async (value) => {
    const error = await loadError({ LABOPS_SIM_LABS: value });
    expect(error.details).toEqual(['LABOPS_SIM_LABS: must be a number of simulated labs from 1 to 50']);
  });

  it('is ignored, with a warning, when there is a lab file', async () => {
    const config = await loadConfig({
      env: { ...SECRETS, LAB_CONFIG: join(fixtures, 'multi.yml'), LABOPS_SIM_LABS: '3' },
      cwd: work,
    });
    expect(config.labs.map((lab) => lab.kind)).toEqual(['file', 'file']);
    expect(config.warnings).toContain('LABOPS_SIM_LABS is ignored: the labs come from the lab file.');
  });
});

describe('in Korean', () => {
  it('says the problems of several labs in the shell’s language, their paths as they are', async () => {
    const { password_env: _, ...engine } = teamLab(2).engine as Record<string, unknown>;
    const path = await writeLabFile({
      engine: {},
      labs: {
        team1: teamLab(1, { limits: {} }),
        team2: teamLab(2, { engine: { ...engine, url: 'https://10.10.1.10' } }),
      },
    });
    const error = await loadError({ ...SECRETS, LAB_CONFIG: path, LABOPS_SIM_LABS: '51' });
    const text = formatConfigProblems(error, 'ko');
    expect(text.split('\n')).toEqual([
      `설정에 문제가 5개 있습니다(환경 변수 및 ${path}):`,
      '  - LABOPS_SIM_LABS: 1에서 50 사이의 시뮬레이션 실습 환경 수여야 합니다',
      '  - engine: 실습 환경별 설정입니다 — labs:를 쓰면 각 실습 환경 아래(labs.NAME)에 적으십시오',
      '  - labs.team1.limits: 모든 실습 환경에 적용되는 봇 설정입니다 — 파일의 최상위로 옮기십시오',
      '  - labs.team2.engine.password_env: 실습 환경이 둘 이상이면 필수입니다 — 이 실습 환경의 변수 이름을 적으십시오. 예: TEAM1_ENGINE_PASSWORD',
      '  - labs.team2.engine.url: "10.10.1.10" 값이 labs.team1.engine.url에도 있습니다 — 두 실습 환경이 주소를 공유하면 봇 하나로는 구별할 수 없습니다(같은 NAT 뒤의 실습 환경: 실습 머신마다 봇 하나)',
      '도움말: 나열된 문제를 모두 고친 뒤 다시 시작하십시오. 실습 환경 파일의 전체 예는 lab.example.yml에 있습니다.',
    ]);
    for (const line of error.detailTexts) expect(findLeaks(line)).toEqual([]);
  });
});
