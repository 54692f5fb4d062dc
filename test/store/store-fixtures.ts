import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createPlan } from '../../src/plan.js';
import type { NewApproval, NewJob, StepSpec } from '../../src/store/types.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const storeChild = fileURLToPath(new URL('./store-child.ts', import.meta.url));

export const T0 = 1_700_000_000_000;
export const MINUTE = 60_000;

/** A job as a command would create it; every field can be overridden. */
export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  const steps: StepSpec[] = [
    {
      kind: 'engine.deactivate',
      title: 'Deactivate hyper1',
      params: { hostId: 'h-1' },
      timeoutMs: 600_000,
    },
    {
      kind: 'ssh.ensure-line',
      title: 'Note the reason',
      params: { path: '/etc/motd' },
      shows: ['echo x >> /etc/motd'],
    },
  ];
  return {
    id: 'j1',
    command: 'host maintenance',
    text: 'maintenance hyper1 --reason "kernel update"',
    args: { host: 'hyper1', reason: 'kernel update', force: false },
    requester: 'U_REQ',
    channel: 'C_LAB',
    risk: 'destructive',
    plan: createPlan({
      summary: 'Put hyper1 into maintenance',
      risk: 'destructive',
      impact: ['2 VMs migrate'],
      locks: ['host:hyper1'],
      steps,
    }),
    steps,
    status: 'awaiting_approval',
    createdAt: T0,
    ...overrides,
  };
}

/** An approval for `jobId` expiring 15 minutes after T0; every field can be overridden. */
export function newApproval(overrides: Partial<NewApproval> = {}): NewApproval {
  return {
    id: 'a1',
    jobId: 'j1',
    risk: 'destructive',
    required: 1,
    eligible: ['U_ADA', 'U_BOB', 'U_CYD'],
    requester: 'U_REQ',
    createdAt: T0,
    expiresAt: T0 + 15 * MINUTE,
    fingerprint: 'sha256:abc',
    fingerprintState: { host: 'hyper1 is up', vms: 'vm1, vm2 on hyper1' },
    ...overrides,
  };
}

/** A fresh directory under the system temp dir, and its removal. */
export async function makeTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'labops-store-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface ChildProcessHandle {
  /** Resolves with the next line the child prints on stdout. */
  nextLine: () => Promise<string>;
  send: (line: string) => void;
  kill: (signal: NodeJS.Signals) => void;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Runs test/store/store-child.ts under tsx with `args`, as `uid`/`gid` when given. */
export function startStoreChild(
  args: string[],
  ids: { uid?: number; gid?: number } = {},
): ChildProcessHandle {
  const child = spawn(process.execPath, ['--import', 'tsx', storeChild, ...args], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
    ...ids,
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let isClosed = false;
  const rejecters: ((error: Error) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const waiter = waiters.shift();
    rejecters.shift();
    if (waiter) waiter(line);
    else lines.push(line);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => {
      child.on('close', (code, signal) => {
        isClosed = true;
        for (const reject of rejecters.splice(0))
          reject(new Error(`the child ended (${code ?? signal}): ${stderr}`));
        resolve({ code, signal, stderr });
      });
    },
  );
  return {
    nextLine: () => {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (isClosed) return Promise.reject(new Error(`the child ended before printing a line: ${stderr}`));
      return new Promise<string>((resolve, reject) => {
        waiters.push(resolve);
        rejecters.push(reject);
      });
    },
    send: (line) => {
      child.stdin.write(`${line}\n`);
    },
    kill: (signal) => {
      child.kill(signal);
    },
    exited,
  };
}
