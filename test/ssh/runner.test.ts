import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLabopsError, type LabopsError } from '../../src/errors.js';
import { DEFAULT_LAB_NAME } from '../../src/lab-info.js';
import { createSshDriver } from '../../src/runbooks/ssh-driver.js';
import { createSshRunner, type SshRunner } from '../../src/ssh/runner.js';
import { openStore } from '../../src/store/sqlite-store.js';
import { TAIL_BYTES, TAIL_LINES } from '../../src/tail.js';
import {
  createLabRunner,
  getLabHost,
  listHostProcesses,
  runOnHost,
  startTcpProxy,
  useSshLab,
  waitUntil,
} from '../support/ssh-lab.js';

const lab = useSshLab();
let runner: SshRunner;
beforeAll(async () => {
  runner = await createLabRunner(lab());
});
afterAll(async () => {
  await runner?.close();
});

async function rejection(promise: Promise<unknown>): Promise<LabopsError> {
  try {
    await promise;
  } catch (error) {
    if (isLabopsError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

async function countLogins(name: 'hyper1' | 'hyper2' | 'storage'): Promise<number> {
  const log = await readFile(join(lab().dir, name, 'sshd.log'), 'utf8');
  return log.split('\n').filter((line) => line.startsWith('Accepted ')).length;
}

describe('host keys', () => {
  it('refuses a wrong host key in the handshake, before authentication, naming both fingerprints', async () => {
    const hyper1 = getLabHost(lab(), 'hyper1');
    const wrong = getLabHost(lab(), 'hyper2').fingerprint;
    const before = await countLogins('hyper1');
    const impostor = await createLabRunner(lab(), {
      targets: [{ machine: 'hyper1', host: hyper1.address, port: hyper1.port, user: 'root', hostKey: wrong }],
    });
    const error = await rejection(impostor.exec('hyper1', 'touch /tmp/should-not-exist'));
    await impostor.close();
    expect(error.code).toBe('SSH_FAILED');
    expect(error.message).toContain(`pinned ${wrong}`);
    expect(error.message).toContain(`offered ${hyper1.fingerprint}`);
    expect(error.hint).toContain('/host trust hyper1');
    expect((error.cause as { level?: string }).level).toBe('handshake');
    expect(await countLogins('hyper1')).toBe(before);
    expect((await runOnHost(lab(), 'hyper1', 'test -e /tmp/should-not-exist')).code).not.toBe(0);
  });

  it('refuses a host with no pin, showing its fingerprint and how to trust it', async () => {
    const hyper2 = getLabHost(lab(), 'hyper2');
    const unpinned = await createLabRunner(lab(), {
      targets: [{ machine: 'hyper2', host: hyper2.address, port: hyper2.port, user: 'root' }],
    });
    const error = await rejection(unpinned.exec('hyper2', 'true'));
    expect(error.message).toContain(`offered ${hyper2.fingerprint} (pinned: none)`);
    expect(error.hint).toContain('/host trust hyper2');
    await unpinned.close();
  });

  it('fetches a fingerprint for /host trust without logging in, and then uses the pin from the store', async () => {
    const storage = getLabHost(lab(), 'storage');
    const store = openStore({ path: ':memory:' });
    const before = await countLogins('storage');
    const trusting = await createLabRunner(lab(), {
      targets: [{ machine: 'storage', host: storage.address, port: storage.port, user: 'root' }],
      getPinnedHostKey: async (machine) =>
        (await store.getPinnedHostKey(DEFAULT_LAB_NAME, machine))?.fingerprint,
    });
    const { fingerprint } = await trusting.fetchHostKey('storage');
    expect(fingerprint).toBe(storage.fingerprint);
    expect(await countLogins('storage')).toBe(before);
    await store.pinHostKey(DEFAULT_LAB_NAME, 'storage', fingerprint, 'shell:alice', Date.now());
    expect((await trusting.exec('storage', 'hostname')).stdout).toBe('storage\n');
    await trusting.close();
    await store.close();
  });
});

describe('exec', () => {
  it('reuses one connection for many commands and queues beyond four channels', async () => {
    // Other test files use the same lab at the same time, so sshd's login count proves nothing here:
    // every command reports the client port of its SSH connection, and how many of its siblings
    // were running on the host at that moment.
    const first = await runner.exec('hyper2', 'echo $SSH_CLIENT');
    const dir = `/tmp/labops-channels-${process.pid}`;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        runner.exec(
          'hyper2',
          `mkdir -p ${dir}; touch ${dir}/${i}; sleep 0.3; n=$(ls ${dir} | wc -l); rm ${dir}/${i}; echo ${i} $n $SSH_CLIENT`,
        ),
      ),
    );
    const fields = results.map((r) => r.stdout.trim().split(' '));
    expect(fields.map((f) => f[0])).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
    const running = fields.map((f) => Number(f[1]));
    expect(Math.max(...running), 'never more than four channels at once').toBeLessThanOrEqual(4);
    expect(Math.max(...running), 'but several at once').toBeGreaterThanOrEqual(2);
    const clients = new Set([first.stdout.trim(), ...fields.map((f) => f.slice(2).join(' '))]);
    expect(clients.size, [...clients].join(' | ')).toBe(1);
  });

  it('answers the exit code, or the signal that killed the command', async () => {
    expect((await runner.exec('hyper1', 'exit 7')).exitCode).toBe(7);
    const killed = await runner.exec('hyper1', 'kill -KILL $$');
    expect(killed.exitCode).toBeNull();
    expect(killed.signal).toMatch(/KILL/);
  });

  it('drains stdout and stderr together and ends on close with all output', async () => {
    const lines: string[] = [];
    const result = await runner.exec(
      'hyper1',
      "head -c 8000000 /dev/zero | tr '\\0' e | fold -w 100 >&2; seq 1 100000; echo last-line",
      { onLine: (line, from) => from === 'stdout' && lines.push(line) },
    );
    expect(result.exitCode).toBe(0);
    expect(lines).toHaveLength(100_001);
    expect(lines.at(-1)).toBe('last-line');
  });

  it('keeps only a bounded tail of a step printing 50 MB', async () => {
    let count = 0;
    const result = await runner.exec(
      'storage',
      "yes 'a line of output that repeats and repeats, 64 bytes long....' | head -c 52428800; echo; echo the-end",
      {
        onLine: () => count++,
        captureBytes: 4096,
      },
    );
    expect(result.exitCode).toBe(0);
    expect(count).toBeGreaterThan(800_000);
    expect(result.tail.length).toBeLessThanOrEqual(TAIL_LINES);
    expect(result.tail.join('\n').length).toBeLessThanOrEqual(TAIL_BYTES);
    expect(result.tail.at(-1)).toBe('the-end');
    expect(result.stdout.length).toBe(4096);
    expect(result.stdoutTruncated).toBe(true);
  });

  it('cancel sends TERM and leaves no remote process behind', async () => {
    const controller = new AbortController();
    const pending = runner.exec(
      'hyper1',
      'echo started; sleep 3011 & sleep 3012 & sh -c "sleep 3013"; wait',
      {
        signal: controller.signal,
        onLine: (line) => line === 'started' && controller.abort(),
      },
    );
    const error = await rejection(pending);
    expect(error.code).toBe('CANCELLED');
    await waitUntil(
      async () => !(await listHostProcesses(lab(), 'hyper1')).some((p) => /sleep 301[123]/.test(p)),
      3000,
      'the remote sleeps to end',
    );
  });

  it('enforces the timeout on the machine: the command is stopped there', async () => {
    const error = await rejection(runner.exec('hyper2', 'sleep 3021', { timeoutMs: 1000 }));
    expect(error.code).toBe('TIMEOUT');
    await waitUntil(
      async () => !(await listHostProcesses(lab(), 'hyper2')).some((p) => p.includes('sleep 3021')),
      3000,
    );
  });

  it('gives an unknown outcome when the connection drops mid-command, then reconnects', async () => {
    const hyper2 = getLabHost(lab(), 'hyper2');
    const proxy = await startTcpProxy(hyper2.address, hyper2.port);
    const cut = await createLabRunner(lab(), {
      targets: [
        { machine: 'hyper2', host: '127.0.0.1', port: proxy.port, user: 'root', hostKey: hyper2.fingerprint },
      ],
    });
    const pending = cut.exec('hyper2', 'echo started; sleep 3031', {
      onLine: (line) => line === 'started' && proxy.dropAll(),
    });
    const error = await rejection(pending);
    expect(error.code).toBe('OUTCOME_UNKNOWN');
    expect(error.message).toMatch(/may still be running/);
    expect((await cut.exec('hyper2', 'echo again')).stdout).toBe('again\n');
    await cut.close();
    await proxy.close();
    await runOnHost(lab(), 'hyper2', 'pkill -f "sleep 3031" || true');
  });

  it('sends bulk data on stdin, never in the command line', async () => {
    const data = `${'x'.repeat(200_000)}\nend\n`;
    const result = await runner.exec('hyper1', 'wc -c <"$LABOPS_DATA"; tail -n 1 "$LABOPS_DATA"', {
      stdin: data,
    });
    expect(result.stdout).toBe(`${data.length}\nend\n`);
  });
});

describe('first login', () => {
  it('logs in with the password from the environment once, installs the bot’s key, then uses the key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'labops-key-'));
    try {
      const keyFile = join(dir, 'id_ed25519');
      await promisify(execFile)('ssh-keygen', [
        '-q',
        '-t',
        'ed25519',
        '-N',
        '',
        '-C',
        'labops-bot',
        '-f',
        keyFile,
      ]);
      const publicKey = (await readFile(`${keyFile}.pub`, 'utf8')).trim();
      const storage = getLabHost(lab(), 'storage');
      const targets = [
        {
          machine: 'storage',
          host: storage.address,
          port: storage.port,
          user: 'root',
          hostKey: storage.fingerprint,
        },
      ];

      const keyOnly = createSshRunner({ targets, privateKeyFile: keyFile, readyTimeoutMs: 5000 });
      expect((await rejection(keyOnly.exec('storage', 'true'))).message).toMatch(
        /refused labops's login as root/,
      );
      await keyOnly.close();

      const password = lab().rootPassword;
      const first = createSshRunner({ targets, privateKeyFile: keyFile, password, readyTimeoutMs: 5000 });
      const outcome = await createSshDriver(first).apply(
        'storage',
        { type: 'install-key', path: '/root/.ssh/authorized_keys', key: publicKey },
        { signal: new AbortController().signal, output: () => undefined },
      );
      expect(outcome.status).toBe('changed');
      await first.close();

      const later = createSshRunner({ targets, privateKeyFile: keyFile, readyTimeoutMs: 5000 });
      expect((await later.exec('storage', 'echo in')).stdout).toBe('in\n');
      await later.close();
      const seen = (await listHostProcesses(lab(), 'storage')).join('\n');
      expect(seen).not.toContain(password);
      expect(await readFile(join(lab().dir, 'storage', 'sshd.log'), 'utf8')).not.toContain(password);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says which key file is missing and how to make one', async () => {
    const storage = getLabHost(lab(), 'storage');
    const missing = createSshRunner({
      targets: [
        {
          machine: 'storage',
          host: storage.address,
          port: storage.port,
          user: 'root',
          hostKey: storage.fingerprint,
        },
      ],
      privateKeyFile: '/nonexistent/id_ed25519',
    });
    const error = await rejection(missing.exec('storage', 'true'));
    expect(error.message).toContain('/nonexistent/id_ed25519');
    expect(error.hint).toContain('LABOPS_SSH_KEY_FILE');
    await missing.close();
  });
});
