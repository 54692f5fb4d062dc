import { afterEach, describe, expect, it } from 'vitest';
import type { Policy } from '../../approvals/policy.js';
import { ACTION } from '../../src/slack/render-card.js';
import type { SimLab } from '../support/engine.js';
import { type SlackHarness, startSlackHarness, U } from '../support/slack-harness.js';
import { readAll } from './read-blocks.js';

/*
 * One bot, two labs (issue 13 §2): lab1 (English) bound to CLAB1, lab2 (Korean, Seoul) bound to
 * CLAB2. Each team asks in its own lab; the instructor acts and approves in both.
 */
const CLAB1 = 'CLAB1';
const CLAB2 = 'CLAB2';
/** A channel bound to no lab. */
const CHALL = 'CHALL';
const TEACHER = 'UTEACH';
/** A student of lab1 who reads Korean. */
const STUDENT = 'USTU';
/** A student of lab2. */
const KIM = 'UKIM';

function teamPolicy(askers: string[], approvers: string[]): Policy {
  return { askers, channels: 'anywhere', approvers, expiryMinutes: 15, commands: {} };
}

/** Three English words in a row: a sentence left in English (test/support/i18n-leaks.ts). */
const ENGLISH_PROSE = /[A-Za-z]{2,}[a-z]*(?:[ ,;:'’()-]+[A-Za-z]{2,}){2,}/;

let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function startTwoLabs(): Promise<SlackHarness> {
  const harness = await startSlackHarness({
    mode: 'http',
    instructors: [`slack:${TEACHER}`],
    labs: [
      {
        policy: teamPolicy([`slack:${STUDENT}`], [`slack:${U.alice}`]),
        channels: [CLAB1],
      },
      {
        policy: teamPolicy([`slack:${KIM}`], [`slack:${U.bob}`]),
        channels: [CLAB2],
        lab: { locale: 'ko', timeZone: 'Asia/Seoul' },
      },
    ],
  });
  harness.api.addChannel(CHALL, [U.operator]);
  harness.api.locales.set(STUDENT, 'ko-KR');
  harness.api.locales.set(KIM, 'ko-KR');
  return harness;
}

/** What one action answers its actor alone. */
async function answerTo(harness: SlackHarness, act: () => Promise<unknown>): Promise<string> {
  const from = harness.api.responses.length;
  await act();
  await harness.adapter.idle();
  const answers = harness.api.responses
    .slice(from)
    .map((r) => readAll((r.body as { blocks?: unknown }).blocks));
  expect(answers).toHaveLength(1);
  return answers[0] ?? '';
}

async function hostStatus(sim: SimLab, name: string): Promise<string> {
  return (await sim.client.findHost(name)).status;
}

describe('one bot serving two labs in Slack (issue 13 §2)', () => {
  it('acts on the lab bound to the channel, and the instructor approves in both', async () => {
    h = await startTwoLabs();
    const [sim1, sim2] = h.sims as [SimLab, SimLab];

    // lab2's student in lab2's channel: lab2's hyper1, a card in lab2's Korean.
    await h.command(KIM, '/host', 'maintenance hyper1', { channel: CLAB2 });
    await h.adapter.idle();
    const card2 = h.api.messages(CLAB2)[0]!;
    expect(readAll(card2.blocks)).toMatch(/^⏳ 승인 대기 · \/host maintenance hyper1/);
    expect(h.api.messages(CLAB1)).toHaveLength(0);
    const [job2] = await h.store.listJobs({ lab: 'lab2' });
    expect(job2?.channel).toBe(CLAB2);
    const approval2 = (await h.store.getApprovalForJob(job2!.id))!;
    // The instructor approves lab2's card; lab1's approver may not.
    const refused = await answerTo(h, () =>
      h!.click(U.alice, ACTION.approve, approval2.id, { channel: CLAB2, ts: card2.ts }),
    );
    expect(refused).toContain(`is not an approver of ${approval2.id}`);
    await h.click(TEACHER, ACTION.approve, approval2.id, { channel: CLAB2, ts: card2.ts });
    await h.settle();
    expect((await h.store.getJob(job2!.id))?.status).toBe('succeeded');
    expect(await hostStatus(sim2, 'hyper1')).toBe('maintenance');
    expect(await hostStatus(sim1, 'hyper1')).toBe('up');

    // The card's thread is in its lab's language: lab2's Korean, no English sentence.
    const thread2 = h.api.thread(CLAB2, card2.ts).map((m) => readAll(m.blocks));
    expect(thread2.length).toBeGreaterThan(1);
    expect(thread2.join('\n')).toContain('단계');
    for (const line of thread2.join('\n').split('\n')) {
      expect(line.replace(/\/host maintenance hyper1/g, '')).not.toMatch(ENGLISH_PROSE);
    }

    // lab1's student in lab1's channel: lab1's hyper1 (still up), a card in English.
    await h.command(STUDENT, '/host', 'maintenance hyper1', { channel: CLAB1 });
    await h.adapter.idle();
    const card1 = h.api.messages(CLAB1)[0]!;
    expect(readAll(card1.blocks)).toMatch(/^⏳ AWAITING APPROVAL · \/host maintenance hyper1/);
    // Among several labs, a card names its lab (a copy in a DM too).
    expect(readAll(card1.blocks)).toContain('Lab *lab1*');
    expect(readAll(card2.blocks)).toContain('실습 환경 *lab2*');
    const [job1] = await h.store.listJobs({ lab: 'lab1' });
    const approval1 = (await h.store.getApprovalForJob(job1!.id))!;
    await h.click(TEACHER, ACTION.approve, approval1.id, { channel: CLAB1, ts: card1.ts });
    await h.settle();
    expect((await h.store.getJob(job1!.id))?.status).toBe('succeeded');
    expect(await hostStatus(sim1, 'hyper1')).toBe('maintenance');
    const thread1 = h.api.thread(CLAB1, card1.ts).map((m) => readAll(m.blocks));
    expect(thread1.join('\n')).toMatch(/^Plan · 2 steps · job-/);
    expect(thread1.join('\n')).toContain('1/2 ✅ changed · Put hyper1 into maintenance');
    expect(thread1.join('\n')).not.toContain('단계');
  });

  it('gives the list of labs in a channel bound to none, and takes --lab there', async () => {
    h = await startTwoLabs();
    const answer = await answerTo(h, () =>
      h!.command(U.operator, '/host', 'maintenance hyper1', { channel: CHALL }),
    );
    expect(answer).toContain('This channel belongs to no lab: say which one with --lab.');
    expect(answer).toContain('Labs: lab1 and lab2. For example: --lab lab1');
    expect(await h.store.listJobs()).toHaveLength(0);

    // --lab there: a card waits in lab2 (asked from its channel); the instructor reads each lab.
    await h.command(KIM, '/host', 'maintenance hyper1', { channel: CLAB2 });
    await h.adapter.idle();
    const lab2 = await answerTo(h, () =>
      h!.command(TEACHER, '/lab', 'status --lab lab2', { channel: CHALL }),
    );
    const lab1 = await answerTo(h, () =>
      h!.command(TEACHER, '/lab', 'status --lab=lab1', { channel: CHALL }),
    );
    expect(lab2).toContain('a1 awaits approval: /host maintenance hyper1 (<@UKIM>)');
    expect(lab1).toContain('nothing running, nothing waiting');
  });

  it('lets a lab2 asker use --lab lab2 from lab1’s channel and refuses lab1’s student, in her language', async () => {
    h = await startTwoLabs();
    const [sim1, sim2] = h.sims as [SimLab, SimLab];

    const refusal = await answerTo(h, () =>
      h!.command(STUDENT, '/host', 'maintenance hyper2 --lab lab2', { channel: CLAB1 }),
    );
    expect(refusal).toContain('<@USTU>은(는) /host maintenance을(를) 실행할 수 없습니다.');
    expect(refusal).toContain('만 요청할 수 있습니다.');
    expect(refusal).not.toMatch(ENGLISH_PROSE);
    expect(await h.store.listJobs()).toHaveLength(0);

    await h.command(KIM, '/host', 'maintenance hyper2 --lab lab2', { channel: CLAB1 });
    await h.adapter.idle();
    const [job] = await h.store.listJobs();
    expect(job?.lab).toBe('lab2');
    // Asked in lab1's channel: the card is there, written in its lab's language.
    const card = h.api.messages(CLAB1)[0]!;
    expect(readAll(card.blocks)).toMatch(/^⏳ 승인 대기 · \/host maintenance hyper2/);
    const approval = (await h.store.getApprovalForJob(job!.id))!;
    // lab2's approver, by the copy in his DM.
    const copy = h.api.messages(`D${U.bob}`)[0]!;
    await h.click(U.bob, ACTION.approve, approval.id, { channel: `D${U.bob}`, ts: copy.ts });
    await h.settle();
    expect((await h.store.getJob(job!.id))?.status).toBe('succeeded');
    expect(await hostStatus(sim2, 'hyper2')).toBe('maintenance');
    expect(await hostStatus(sim1, 'hyper2')).toBe('up');
  });

  it('shows on App Home every lab the person may act on: both to the instructor, one to a student', async () => {
    h = await startTwoLabs();
    await h.command(KIM, '/host', 'maintenance hyper1', { channel: CLAB2 });
    await h.adapter.idle();
    const [job] = await h.store.listJobs();
    const approval = (await h.store.getApprovalForJob(job!.id))!;

    await h.homeOpened(TEACHER);
    await h.homeOpened(STUDENT);
    await h.homeOpened(KIM);
    await h.adapter.idle();
    const teacher = readAll(h.api.homes.get(TEACHER));
    expect(teacher).toContain('lab1 · engine up · hosts 2/2 up');
    expect(teacher).toContain('lab2 · engine up · hosts 2/2 up');
    // lab2's pending card, with its buttons, under lab2.
    expect(teacher.indexOf('Waiting for approval (1)')).toBeGreaterThan(teacher.indexOf('lab2 · engine'));
    expect(teacher).toContain('/host maintenance hyper1');
    expect(JSON.stringify(h.api.homes.get(TEACHER))).toContain(ACTION.approve);

    const student = readAll(h.api.homes.get(STUDENT));
    expect(student).toContain('lab1 · 엔진 up · 호스트 2/2 up');
    expect(student).not.toContain('lab2');
    expect(JSON.stringify(h.api.homes.get(STUDENT))).not.toContain(ACTION.approve);
    const kim = readAll(h.api.homes.get(KIM));
    expect(kim).toContain('lab2 · 엔진 up');
    expect(kim).toContain('승인 대기 (1)');
    expect(kim).not.toContain('lab1');

    // The instructor approves from Home; the card's lab decides the click.
    await h.click(TEACHER, ACTION.approve, approval.id, 'home');
    await h.settle();
    expect((await h.store.getJob(job!.id))?.status).toBe('succeeded');
    expect(await hostStatus(h.sims[1]!, 'hyper1')).toBe('maintenance');
  });

  it('cancels a job in its own lab from a channel bound to none', async () => {
    h = await startTwoLabs();
    await h.command(KIM, '/host', 'maintenance hyper1', { channel: CLAB2 });
    await h.adapter.idle();
    const [job] = await h.store.listJobs();
    const answer = await answerTo(h, () =>
      h!.click(KIM, ACTION.cancel, job!.id, { channel: `D${KIM}`, ts: '1.000001' }),
    );
    expect(answer).not.toContain('--lab');
    expect((await h.store.getJob(job!.id))?.status).toBe('cancelled');
  });

  it('resets both labs from one card two instructors approve: a line per lab in the thread, then the table', async () => {
    h = await startSlackHarness({
      mode: 'http',
      instructors: [`slack:${TEACHER}`, 'slack:UTEACH2', 'slack:UTEACH3'],
      labs: [
        { policy: teamPolicy([`slack:${STUDENT}`], [`slack:${U.alice}`]), channels: [CLAB1] },
        { policy: teamPolicy([`slack:${KIM}`], [`slack:${U.bob}`]), channels: [CLAB2] },
      ],
    });
    h.api.addChannel(CHALL, [U.operator]);
    for (const sim of h.sims) {
      const hyper2 = await sim.client.findHost('hyper2');
      await sim.client.deactivateHost(hyper2.id);
      await sim.client.waitForHostStatus(hyper2.id, ['maintenance']);
    }
    // A student may not; the instructor's card is posted where they asked.
    const refused = await answerTo(h, () => h!.command(KIM, '/lab', 'reset --all', { channel: CLAB2 }));
    expect(refused).toContain('Only instructors may run /lab reset on several labs at once');
    await h.command(TEACHER, '/lab', 'reset --all', { channel: CHALL });
    await h.adapter.idle();
    const card = h.api.messages(CHALL)[0]!;
    expect(readAll(card.blocks)).toMatch(/^⏳ AWAITING APPROVAL · \/lab reset --all/);
    expect(readAll(card.blocks)).toContain('/lab reset in 2 labs: lab1 and lab2');
    expect(readAll(card.blocks)).toContain('lab2 · ');
    const [job] = await h.store.listJobs();
    const approval = (await h.store.getApprovalForJob(job!.id))!;
    await h.click('UTEACH2', ACTION.approve, approval.id, { channel: CHALL, ts: card.ts });
    await h.click('UTEACH3', ACTION.approve, approval.id, { channel: CHALL, ts: card.ts });
    await h.settle();
    expect((await h.store.getJob(job!.id))?.status).toBe('succeeded');
    for (const sim of h.sims) expect(await hostStatus(sim, 'hyper2')).toBe('up');

    // One progress message for the job, a line per lab in it (issue 17 §1), then the summary
    // naming the requester with the table, a line per lab.
    const thread = h.api.thread(CHALL, card.ts).map((m) => readAll(m.blocks));
    expect(thread).toHaveLength(2);
    expect(thread[0]).toMatch(/\n2\/3 ✅ changed · lab1: Reset the lab to its baseline/);
    expect(thread[0]).toMatch(/\n3\/3 ✅ changed · lab2: Reset the lab to its baseline/);
    const table = thread.at(-1);
    expect(table).toMatch(/^<@UTEACH> job-[0-9a-f]{4}: Succeeded in .+\nSummary, 2 labs:/);
    expect(table).toMatch(/lab1 · changed · .+ — job-[0-9a-f]{4}: \d+ steps, \d+ changed\./);
    expect(table).toMatch(/lab2 · changed · /);
    // Each lab's part ran as its own lab's job, with no card or thread of its own.
    const parts = (await h.store.listJobs()).filter((j) => j.args.parent === job!.id);
    expect(parts.map((p) => p.lab).sort()).toEqual(['lab1', 'lab2']);
    expect(h.api.messages(CLAB1)).toHaveLength(0);
    expect(h.api.messages(CLAB2)).toHaveLength(0);
  });
});
