/**
 * `ssh_exec_reused_ms` (design.md, Benchmarks): the median time of `exec true` on a reused
 * connection of the SSH runner to a real sshd started here on loopback, with its own host key,
 * client key and config (ssh-harness.md: a throwaway sshd, no systemd).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fingerprintOf } from '../src/ssh/host-key.js';
import { createSshRunner } from '../src/ssh/runner.js';
import { findFreePort } from './support.js';

const run = promisify(execFile);
const WARMUP = 20;
const RUNS = 200;

export async function runSshBench(): Promise<Record<string, number>> {
  if (!existsSync('/usr/sbin/sshd')) {
    throw new Error(
      'The SSH bench needs openssh-server: apt-get install -y --no-install-recommends openssh-server',
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'labops-ssh-bench-'));
  const user = (await run('id', ['-un'])).stdout.trim();
  const port = await findFreePort();
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_key.pub')), { mode: 0o644 });
  await writeFile(join(dir, 'empty'), '');
  await writeFile(
    join(dir, 'sshd_config'),
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${join(dir, 'host_key')}`,
      'PidFile none',
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      '',
    ].join('\n'),
  );
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 }).catch(() => undefined);
  // ssh-harness.md: root's .bashrc runs for every exec; the bench measures SSH, not that file.
  const bashrc = join(process.env.HOME ?? '/root', '.bashrc');
  const sshd = `/usr/sbin/sshd -D -e -f ${join(dir, 'sshd_config')}`;
  const script =
    process.getuid?.() === 0 && existsSync(bashrc)
      ? `mount --bind ${join(dir, 'empty')} ${bashrc} && exec ${sshd}`
      : `exec ${sshd}`;
  const args = process.getuid?.() === 0 ? ['--mount', '--propagation', 'private', 'sh', '-c', script] : [];
  const child =
    args.length > 0
      ? spawn('unshare', args, { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn('sh', ['-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let log = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('Server listening on')) resolve();
      });
      child.on('exit', () => reject(new Error(`sshd did not start:\n${log}`)));
    });
    const hostKey = (await readFile(join(dir, 'host_key.pub'), 'utf8')).split(' ')[1] ?? '';
    const runner = createSshRunner({
      targets: [
        {
          machine: 'bench',
          host: '127.0.0.1',
          port,
          user,
          hostKey: fingerprintOf(Buffer.from(hostKey, 'base64')),
        },
      ],
      privateKeyFile: join(dir, 'client_key'),
    });
    try {
      for (let i = 0; i < WARMUP; i++) await runner.exec('bench', 'true');
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const started = performance.now();
        await runner.exec('bench', 'true');
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)] ?? Number.NaN;
      return { ssh_exec_reused_ms: Math.round(median * 100) / 100 };
    } finally {
      await runner.close();
    }
  } finally {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}
