/**
 * Issue 17 §5, what a phone shows of a job and its card, at Slack's real limits:
 * - `thread_lag_ms`: from the card's final edit to the thread's final change (the progress
 *   message's last edit, the last post in the thread, the log file) for a 14-step job, the worst
 *   of: `/storage prepare` twice (in the simulator its steps take milliseconds) and a 14-step
 *   chatter job printing 1,400 lines over 14 s, so that its thread is edited as it runs (goal ≤ 2000);
 * - `copies_lag_ms`: from the first copy of a denied card to the last — the requester's (the bot is
 *   not in the channel asked from, so the card goes to the requester's DM) and three approvers' —
 *   the worst of `DENIALS` cards denied one after the other (goal ≤ 2000).
 * The Web API stand-in runs at Slack's limits in its own process; every time is the stand-in's own
 * record of when it answered. The simulator runs in this process (its machines run the runbooks).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLabs } from '../src/lab.js';
import { createSimulatedPolicy } from '../src/lab-info.js';
import { createSilentLogger } from '../src/log.js';
import { startSimulator } from '../src/sim/index.js';
import { ACTION } from '../src/slack/render-card.js';
import type { JobRecord, Store } from '../src/store/types.js';
import type { RecordedCall } from '../test/support/slack-api.js';
import { chatterCommand, chatterSteps } from '../test/support/slack-chatter.js';
import { clickPayload, commandBody, postSigned } from '../test/support/slack-harness.js';
import { BOT_TOKEN, createBenchAdapter, SECRET } from './slack-rig.js';
import { round, startProcess } from './support.js';

const REQUESTER = 'UBENCH';
const APPROVERS = ['UAPP1', 'UAPP2', 'UAPP3'];
/** The job's channel, and one the bot is not in (cards asked there go to the requester's DM). */
const CHANNEL = 'CPROG';
const NO_BOT = 'CNOBOT';
const JOBS: [string, string][] = [
  ['/storage', 'prepare'],
  ['/storage', 'prepare'],
  ['/chatter', 'run long --steps 14 --lines 1400 --ms 14000'],
];
const DENIALS = 5;
/** Engine waits of seconds take a tenth. */
const TIME_SCALE = 0.1;

type Ref = { channel: string; ts: string };

export async function runProgressBench(): Promise<Record<string, number>> {
  const standIn = await startProcess<{ apiUrl: string; base: string }>(
    '../test/support/slack-api-process.ts',
    ['--bot-token', BOT_TOKEN, '--channels', `${CHANNEL}:${REQUESTER};${NO_BOT}!:${REQUESTER}`],
  );
  const sim = await startSimulator({ timeScale: TIME_SCALE });
  const dir = mkdtempSync(join(tmpdir(), 'labops-progress-bench-'));
  const logger = createSilentLogger();
  const adapter = createBenchAdapter(standIn.info.apiUrl, logger);
  const lab = await createLabs({
    labs: [{ kind: 'simulated', simulator: sim }],
    store: { path: join(dir, 'labops.db') },
    logger,
    policy: { ...createSimulatedPolicy(), approvers: APPROVERS.map((u) => `slack:${u}`) },
    commands: [chatterCommand],
    steps: chatterSteps,
    resolveGroup: adapter.resolveGroup,
  });
  const { labs, store } = lab;
  const responseUrl = () => `${standIn.info.base}respond/bench`;
  try {
    const { port } = await adapter.start(labs);
    const botUrl = `http://127.0.0.1:${port}/slack/events`;
    const command = async (channel: string, name: string, text: string) => {
      const body = commandBody(REQUESTER, name, text, responseUrl(), { channel });
      await postSigned(botUrl, new URLSearchParams(body).toString(), { secret: SECRET });
      await adapter.idle();
      const [approval] = await store.listApprovals({ statuses: ['pending'] });
      if (!approval) throw new Error(`${name} ${text} left no card waiting`);
      return approval;
    };
    const click = (user: string, action: string, approvalId: string, where: Ref) => {
      const payload = clickPayload(user, action, approvalId, where, responseUrl());
      return postSigned(botUrl, `payload=${encodeURIComponent(JSON.stringify(payload))}`, {
        secret: SECRET,
      });
    };

    // --- copies of a denied card, one card after the other --------------------------------------
    const copiesLags: number[] = [];
    for (let i = 0; i < DENIALS; i++) {
      const approval = await command(NO_BOT, '/host', 'maintenance hyper2');
      const refs = approval.cardRefs as (Ref & { user?: string })[];
      const own = refs.find((r) => r.user === APPROVERS[0]);
      if (refs.length !== 1 + APPROVERS.length || !own)
        throw new Error(`the card went to ${refs.length} places, not the requester and each approver`);
      const before = (await fetchCalls(standIn.info.base)).calls.length;
      await click(APPROVERS[0]!, ACTION.deny, approval.id, own);
      await adapter.idle();
      const calls = (await fetchCalls(standIn.info.base)).calls.slice(before);
      const times = refs.map((ref) => lastAt(calls, (c) => c.method === 'chat.update' && isAt(c, ref)));
      if (times.some((t) => !Number.isFinite(t))) throw new Error('a copy of the denied card was not edited');
      copiesLags.push(Math.max(...times) - Math.min(...times));
    }

    // --- 14-step jobs, each card and its thread ---------------------------------------------------
    const threadLags: number[] = [];
    const callsPerRun: number[] = [];
    const durations: number[] = [];
    for (const [name, text] of JOBS) {
      const before = (await fetchCalls(standIn.info.base)).calls.length;
      const approval = await command(CHANNEL, name, text);
      const job = await store.getJob(approval.jobId);
      const card = job?.messageRef as Ref;
      if (job?.steps.length !== 14) throw new Error(`${name} ${text}: ${job?.steps.length} steps, not 14`);
      await click(REQUESTER, ACTION.approve, approval.id, card);
      const finished = await waitForJob(store, approval.jobId);
      if (finished?.status !== 'succeeded') throw new Error(`${name} ${text} ended ${finished?.status}`);
      await adapter.idle();
      const calls = (await fetchCalls(standIn.info.base)).calls.slice(before);
      const cardEnd = lastAt(calls, (c) => c.method === 'chat.update' && isAt(c, card));
      const threadEnd = lastAt(
        calls,
        (c) =>
          // In the job's channel, the only other message edited is the thread's progress message.
          (c.method === 'chat.update' && c.args.channel === CHANNEL && c.args.ts !== card.ts) ||
          (c.method === 'chat.postMessage' && c.args.thread_ts === card.ts) ||
          (c.method === 'files.completeUploadExternal' && c.args.thread_ts === card.ts),
      );
      threadLags.push(Math.abs(threadEnd - cardEnd));
      callsPerRun.push(calls.length);
      durations.push((finished.finishedAt ?? 0) - (finished.startedAt ?? 0));
    }
    const recorded = await fetchCalls(standIn.info.base);
    process.stdout.write(
      `  /storage prepare ×2, chatter: ${durations.map((d) => `${d} ms`).join(', ')}: thread after card ${threadLags.map((l) => `${l} ms`).join(', ')}, ${callsPerRun.join(', ')} Web API calls; copies of ${DENIALS} denied cards ${copiesLags.map((l) => `${l} ms`).join(', ')} apart\n`,
    );
    return {
      thread_lag_ms: round(Math.max(...threadLags), 0),
      copies_lag_ms: round(Math.max(...copiesLags), 0),
      progress_job_calls: round(Math.max(...callsPerRun), 0),
      progress_slack_429s: recorded.rateLimited,
    };
  } finally {
    await adapter.stop();
    await lab.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
    await standIn.stop();
  }
}

/** The job's end, as the store has it (the click's work runs after its ack). */
async function waitForJob(store: Store, jobId: string): Promise<JobRecord | undefined> {
  for (let i = 0; i < 6000; i++) {
    const job = await store.getJob(jobId);
    if (job && ['succeeded', 'failed', 'cancelled', 'interrupted'].includes(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${jobId} did not end in 2 minutes`);
}

async function fetchCalls(base: string): Promise<{ rateLimited: number; calls: RecordedCall[] }> {
  const answer = await fetch(`${base}_calls`);
  return (await answer.json()) as { rateLimited: number; calls: RecordedCall[] };
}

function isAt(call: RecordedCall, ref: Ref): boolean {
  return call.args.channel === ref.channel && call.args.ts === ref.ts;
}

/** When the stand-in answered the last call that matches; -Infinity when none did. */
function lastAt(calls: readonly RecordedCall[], matches: (call: RecordedCall) => boolean): number {
  return Math.max(...calls.filter((c) => c.ok && matches(c)).map((c) => c.at));
}
