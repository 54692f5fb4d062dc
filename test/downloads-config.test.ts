import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { CONFIG_EXIT_CODE, type LabConfig, loadConfig, parseLabConfig } from '../src/config.js';
import { createHttpDownloads, getDownloadRules } from '../src/downloads.js';
import { isLabopsError } from '../src/errors.js';
import { REFUSED_MESSAGE } from '../src/net/address-fence.js';
import { startHttpSource } from './support/http-source.js';

const fixtures = fileURLToPath(new URL('./fixtures/config/', import.meta.url));
const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const env = { LABOPS_ENGINE_PASSWORD: 'pw-Very-Secret-4711' };

let basic: LabConfig;
let dir: string;
beforeAll(async () => {
  basic = parse(await readFile(join(fixtures, 'basic.yml'), 'utf8')) as LabConfig;
  dir = await mkdtemp(join(tmpdir(), 'labops-downloads-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function problemsWith(downloads: unknown): string[] {
  const lab = { ...structuredClone(basic), downloads };
  return parseLabConfig(stringify(lab), { label: 'lab.yml', env }).problems.map(
    (p) => `${p.path}: ${p.message}`,
  );
}

describe('downloads in lab.yml (issue 10 §2)', () => {
  it('defaults to no opening: public addresses only', () => {
    const parsed = parseLabConfig(stringify(basic), { label: 'lab.yml', env });
    expect(parsed.bot?.downloads).toEqual({ allowed_networks: [], allowed_hosts: [] });
  });

  it('takes networks and host names', () => {
    const lab = {
      ...structuredClone(basic),
      downloads: { allowed_networks: ['10.0.0.0/8', 'fd00:1::/64'], allowed_hosts: ['mirror.abc.local'] },
    };
    const parsed = parseLabConfig(stringify(lab), { label: 'lab.yml', env });
    expect(parsed.problems).toEqual([]);
    expect(parsed.bot?.downloads).toEqual({
      allowed_networks: ['10.0.0.0/8', 'fd00:1::/64'],
      allowed_hosts: ['mirror.abc.local'],
    });
  });

  it('says what is wrong with each network and name, all at once', () => {
    expect(
      problemsWith({
        allowed_networks: ['10.1.2.3/8', '192.168.1.0', '10.0.0.0/40', 'mirror/24', 7],
        allowed_hosts: ['mirror abc', 'ok.example'],
        allowed: [],
      }),
    ).toEqual([
      'downloads.allowed_networks[0]: has host bits set — write the network as 10.0.0.0/8',
      'downloads.allowed_networks[1]: is not a network in CIDR notation, e.g. 192.168.122.0/24 or fd00:1::/64',
      'downloads.allowed_networks[2]: has a prefix longer than 32 bits',
      'downloads.allowed_networks[3]: is not a network in CIDR notation, e.g. 192.168.122.0/24 or fd00:1::/64',
      'downloads.allowed_networks[4]: must be a network in CIDR notation (text), e.g. 192.168.122.0/24',
      'downloads.allowed_hosts[0]: must be a host name, e.g. mirror.abc.local',
      expect.stringMatching(/^downloads(\.allowed)?: .*allowed/),
    ]);
  });

  it('stops start-up with the config exit code on a bad network', async () => {
    const path = join(dir, 'bad.yml');
    await writeFile(
      path,
      stringify({ ...structuredClone(basic), downloads: { allowed_networks: ['10.0.0.0/33'] } }),
    );
    const error = await loadConfig({ env: { ...env, LAB_CONFIG: path }, cwd: dir }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isLabopsError(error) && error.code).toBe('CONFIG');
    expect(CONFIG_EXIT_CODE).toBe(2);
    expect(isLabopsError(error) && error.details).toContain(
      'downloads.allowed_networks[0]: has a prefix longer than 32 bits',
    );
  });

  it('lab.example.yml shows a lab mirror opened', async () => {
    const config = await loadConfig({ env: { ...env, LAB_CONFIG: 'lab.example.yml' }, cwd: repoRoot });
    expect(config.labs.map((lab) => lab.kind)).toEqual(['file']);
    expect(config.downloads).toEqual({
      allowed_networks: ['192.168.122.0/24'],
      allowed_hosts: ['mirror.abc.local'],
    });
  });

  it('gives the simulated lab loopback in the shell only; Slack mode and lab files follow their rules', async () => {
    const source = await startHttpSource({ '/alma9.iso': { sizeBytes: 40_000 } });
    const shell = await loadConfig({ env: {}, cwd: dir });
    const slack = await loadConfig({
      env: { SLACK_BOT_TOKEN: 'xoxb-1-2-x', SLACK_APP_TOKEN: 'xapp-1-A-x' },
      cwd: dir,
    });
    expect([shell.mode, shell.labs[0]?.kind, slack.mode, slack.labs[0]?.kind]).toEqual([
      'shell',
      'simulated',
      'socket',
      'simulated',
    ]);
    const inShell = createHttpDownloads(getDownloadRules(shell));
    const inSlack = createHttpDownloads(getDownloadRules(slack));
    try {
      expect((await inShell.probe(source.url('/alma9.iso'))).address).toBe('127.0.0.1');
      const requests = source.requests.length;
      await expect(inSlack.probe(source.url('/alma9.iso'))).rejects.toThrow(REFUSED_MESSAGE);
      expect(source.requests.length).toBe(requests);
    } finally {
      await Promise.all([inShell.close(), inSlack.close(), source.close()]);
    }
    const file = await loadConfig({ env: { ...env, LAB_CONFIG: 'lab.example.yml' }, cwd: repoRoot });
    expect(getDownloadRules(file)).toEqual({
      allowedNetworks: ['192.168.122.0/24'],
      allowedHosts: ['mirror.abc.local'],
    });
  });
});
