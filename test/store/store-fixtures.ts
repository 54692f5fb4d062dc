import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { verbatim } from '../../src/i18n/text.js';
import { createPlan } from '../../src/plan.js';
import type { JobAndApproval, JobRecord, Proposal, StepSpec, Store } from '../../src/store/types.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const storeChild = fileURLToPath(new URL('./store-child.ts', import.meta.url));

export const T0 = 1_700_000_000_000;
export const MINUTE = 60_000;

/** What a test may change in a proposal; `locks` defaults to the job plan's locks. */
export interface ProposalOverrides {
  job?: Partial<Proposal['job']> | undefined;
  approval?: Partial<Proposal['approval']> | undefined;
  locks?: readonly string[] | undefined;
  audit?: Record<string, unknown> | undefined;
}

/**
 * A job as a command would propose it (`host maintenance hyper1`, destructive, locking
 * `host:hyper1`), with an approval card expiring 15 minutes after T0 whose id the store gives out.
 */
export function newProposal(overrides: ProposalOverrides = {}): Proposal {
  const steps: StepSpec[] = [
    {
      kind: 'engine.deactivate',
      title: verbatim('Deactivate hyper1'),
      params: { hostId: 'h-1' },
      timeoutMs: 600_000,
    },
    {
      kind: 'ssh.ensure-line',
      title: verbatim('Note the reason'),
      params: { path: '/etc/motd' },
      shows: [verbatim('echo x >> /etc/motd')],
    },
  ];
  const job: Proposal['job'] = {
    id: 'j1',
    lab: 'default',
    command: 'host maintenance',
    text: 'maintenance hyper1 --reason "kernel update"',
    args: { host: 'hyper1', reason: 'kernel update', force: false },
    requester: 'U_REQ',
    channel: 'C_LAB',
    risk: 'destructive',
    plan: createPlan({
      summary: verbatim('Put hyper1 into maintenance'),
      risk: 'destructive',
      impact: [verbatim('2 VMs migrate')],
      locks: ['host:hyper1'],
      steps,
    }),
    steps,
    createdAt: T0,
    ...overrides.job,
  };
  return {
    job,
    approval: {
      required: 1,
      eligible: ['U_ADA', 'U_BOB', 'U_CYD'],
      expiresAt: T0 + 15 * MINUTE,
      fingerprint: 'sha256:abc',
      fingerprintState: { host: 'hyper1 is up', vms: 'vm1, vm2 on hyper1' },
      ...overrides.approval,
    },
    locks: overrides.locks ?? job.plan.locks,
    audit: overrides.audit ?? { command: job.command, risk: job.risk },
  };
}

/** Proposes a job; fails the test when the store refuses it. */
export async function propose(store: Store, overrides: ProposalOverrides = {}): Promise<JobAndApproval> {
  const result = await store.proposeJob(newProposal(overrides));
  if (!result.ok) throw new Error(`proposal refused: ${result.heldBy.key} is held by ${result.heldBy.jobId}`);
  return { job: result.job, approval: result.approval };
}

/** Proposes a job and approves it as its eligible approvers would (at its creation), so it is queued. */
export async function proposeQueued(
  store: Store,
  overrides: ProposalOverrides = {},
): Promise<JobAndApproval> {
  const { approval } = await propose(store, overrides);
  const approvers = approval.eligible.filter((p) => p !== approval.requester || approval.risk === 'change');
  for (const principal of approvers.slice(0, approval.required)) {
    const result = await store.decideApproval(approval.id, principal, 'approve', approval.createdAt);
    if (result.outcome !== 'recorded') throw new Error(`approval refused: ${result.reason}`);
  }
  const job = await store.getJob(approval.jobId);
  if (job?.status !== 'queued') throw new Error(`job ${approval.jobId} is ${job?.status}, not queued`);
  return { job, approval: (await store.getApproval(approval.id))! };
}

/** Proposes, approves and starts a job at `startedAt` (default: its creation + 1 ms). */
export async function proposeRunning(
  store: Store,
  overrides: ProposalOverrides = {},
  startedAt?: number,
): Promise<JobRecord> {
  const { job } = await proposeQueued(store, overrides);
  const started = await store.startJob(job.id, startedAt ?? job.createdAt + 1);
  if (!started) throw new Error(`job ${job.id} did not start`);
  return started;
}

/** Everything the store records, to show that a refused or failed operation changed none of it. */
export async function snapshotStore(store: Store) {
  return {
    jobs: await store.listJobs(),
    approvals: await store.listApprovals(),
    locks: await store.listLocks(),
    audit: await store.listAudit(1_000_000),
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
