#!/usr/bin/env node
// Installs what the test suite needs from Debian when it is missing (the SSH tests run real
// OpenSSH servers in network namespaces; the simulator makes its certificates with openssl; the
// PostgreSQL store's tests run a real PostgreSQL 15).
// Where it cannot install, it fails naming the exact command to run — never a silent skip.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const NEEDS = [
  { pkg: 'openssh-server', paths: ['/usr/sbin/sshd'] },
  { pkg: 'openssh-client', paths: ['/usr/bin/ssh-keygen'] },
  { pkg: 'iproute2', paths: ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'] },
  { pkg: 'openssl', paths: ['/usr/bin/openssl'] },
  { pkg: 'curl', paths: ['/usr/bin/curl'] },
  // systemd-analyze verify checks deploy/labops.service (test/deploy/service.test.ts).
  { pkg: 'systemd', paths: ['/usr/bin/systemd-analyze'] },
  // The PostgreSQL store's tests start their own server (test/support/postgres.ts).
  { pkg: 'postgresql-15', paths: ['/usr/lib/postgresql/15/bin/postgres'] },
];

const missing = NEEDS.filter((n) => !n.paths.some((p) => existsSync(p))).map((n) => n.pkg);
if (missing.length === 0) process.exit(0);

const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (!isRoot || !hasApt) {
  console.error(`The tests need these Debian packages: ${missing.join(', ')}.`);
  console.error(`Install them, as root:\n  ${command}`);
  process.exit(1);
}
console.log(`pretest: installing ${missing.join(', ')} …`);
try {
  execFileSync('sh', ['-c', command], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
} catch {
  console.error(`pretest: the install failed. Run it yourself, as root:\n  ${command}`);
  process.exit(1);
}
