import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/render-card.js';
import {
  CHANNEL,
  CHANNEL_WITHOUT_BOT,
  type SlackHarness,
  startSlackHarness,
  U,
} from '../support/slack-harness.js';
import { readAll } from './read-blocks.js';

/** A Korean-speaking student of the lab guide, beside the English-speaking test users. */
const KIM = 'UKIM';

/** Three English words in a row: a sentence left in English (test/support/i18n-leaks.ts). */
const ENGLISH_PROSE = /[A-Za-z]{2,}[a-z]*(?:[ ,;:'’()-]+[A-Za-z]{2,}){2,}/;

let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Blocks = { blocks?: unknown };

/** The ephemeral answers Slack got since `from`, as a reader sees them. */
function answersSince(harness: SlackHarness, from: number): string[] {
  return harness.api.responses.slice(from).map((r) => readAll((r.body as Blocks).blocks));
}

/** What one action answers its actor alone: the responses it caused. */
async function answerTo(harness: SlackHarness, act: () => Promise<unknown>): Promise<string> {
  const from = harness.api.responses.length;
  await act();
  await harness.adapter.idle();
  const answers = answersSince(harness, from);
  expect(answers).toHaveLength(1);
  return answers[0] ?? '';
}

/** The time of day a reader in Seoul reads for `ms`, as the date tokens' fallback shows it. */
function seoulTime(ms: number): string {
  return new Intl.DateTimeFormat('ko', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZone: 'Asia/Seoul',
  }).format(ms);
}

describe('two people of different languages in a Korean lab (issue 16 §2)', () => {
  it('answers each in their own language and writes the channel in the lab’s', async () => {
    h = await startSlackHarness({ mode: 'http', lab: { locale: 'ko', timeZone: 'Asia/Seoul' } });
    h.api.locales.set(KIM, 'ko-KR');
    h.api.locales.set(U.carol, 'ko-KR');
    // alice, bob and mallory keep Slack's default, en-US.

    // A read answer, to each asker alone, in their language.
    const kimStatus = await answerTo(h, () => h!.command(KIM, '/lab', 'status'));
    expect(kimStatus).toMatch(/^실습 환경 상태 — 시뮬레이션/);
    const aliceStatus = await answerTo(h, () => h!.command(U.alice, '/lab', 'status'));
    expect(aliceStatus).toMatch(/^Lab status — SIMULATED LAB/);
    expect(h.api.messages(CHANNEL)).toHaveLength(0);

    // The adapter's own answer to one person: where the bot is not, each reads why in their language.
    const kimNotThere = await answerTo(h, () =>
      h!.command(KIM, '/lab', '--share status', { channel: CHANNEL_WITHOUT_BOT }),
    );
    expect(kimNotThere).toContain('labops가 이 채널에 없습니다. `/invite @labops`로 초대하세요.');
    expect(kimNotThere).toContain('이 답변은 본인에게만 보입니다.');
    const aliceNotThere = await answerTo(h, () =>
      h!.command(U.alice, '/lab', '--share status', { channel: CHANNEL_WITHOUT_BOT }),
    );
    expect(aliceNotThere).toContain('labops is not in this channel: invite it with `/invite @labops`.');

    // A shared answer is the channel's: in the lab's language, whoever shared it.
    await h.command(U.alice, '/lab', '--share status');
    await h.adapter.idle();
    const shared = readAll(h.api.messages(CHANNEL)[0]?.blocks);
    expect(shared).toContain('<@UALICE> 님이 공유함');
    expect(shared).toContain('실습 환경 상태');
    expect(shared).not.toContain('Lab status');

    // alice (English) asks for a change: the card in the channel is in the lab's Korean.
    await h.command(U.alice, '/host', 'maintenance hyper2');
    await h.adapter.idle();
    const card = h.api.messages(CHANNEL)[1]!;
    const approval = (await h.store.getApproval('a1'))!;
    const channelCard = readAll(card.blocks);
    expect(channelCard).toMatch(/^⏳ 승인 대기 · \/host maintenance hyper2/);
    expect(channelCard).toContain('요청자 <@UALICE> · 작업 job-');
    expect(channelCard).toContain('파괴적 — 요청자가 아닌 승인자 1명 필요');
    expect(channelCard).toContain('[승인] [거부]');
    expect(channelCard).toContain(
      `승인자 (1명 필요): <@UBOB> 및 <@UCAROL> · <!date^${Math.floor(approval.expiresAt / 1000)}^{time}|${seoulTime(approval.expiresAt)} (Asia/Seoul)> 만료 (15분 남음)`,
    );
    // labops's own lines of the card hold no English sentence.
    const ownLines = card.blocks
      .filter((b) => ['header', 'context', 'actions'].includes(String((b as { type?: string }).type)))
      .map((b) => readAll([b]));
    // (A command line as typed is no sentence.)
    for (const line of ownLines)
      expect(line.replaceAll('/host maintenance hyper2', '')).not.toMatch(ENGLISH_PROSE);

    // Times of day in the lab's zone: the audit trail of a Korean lab in Seoul.
    const [requested] = await h.store.listAudit(1);
    const audit = await answerTo(h, () => h!.command(KIM, '/lab', 'audit 1'));
    expect(audit).toContain(`${seoulTime(requested!.at)} approval:requested <@UALICE>`);

    // The approvers' copies by DM: each in its reader's language.
    const bobCopy = readAll(h.api.messages(`D${U.bob}`)[0]?.blocks);
    expect(bobCopy).toMatch(/^⏳ AWAITING APPROVAL · \/host maintenance hyper2/);
    expect(bobCopy).toContain('asked by <@UALICE>');
    expect(bobCopy).toContain('[Approve] [Deny]');
    const carolCopy = readAll(h.api.messages(`D${U.carol}`)[0]?.blocks);
    expect(carolCopy).toMatch(/^⏳ 승인 대기/);

    // Refusals go to the one who clicked, in their language; the card does not change.
    const where = { channel: CHANNEL, ts: card.ts };
    const kimRefused = await answerTo(h, () => h!.click(KIM, ACTION.approve, 'a1', where));
    expect(kimRefused).toContain('<@UKIM>');
    expect(kimRefused).toContain('a1의 승인자가 아닙니다');
    expect(kimRefused).not.toMatch(ENGLISH_PROSE);
    const malloryRefused = await answerTo(h, () => h!.click(U.mallory, ACTION.approve, 'a1', where));
    expect(malloryRefused).toContain('is not an approver of a1');
    const aliceRefused = await answerTo(h, () => h!.click(U.alice, ACTION.approve, 'a1', where));
    expect(aliceRefused).toContain('asked for a1 and cannot approve it');
    expect(h.api.message(CHANNEL, card.ts)?.history).toHaveLength(1);

    // bob approves from his copy: the job runs; the channel's thread and card stay Korean, each
    // copy ends in its own reader's language.
    await h.click(U.bob, ACTION.approve, 'a1', {
      channel: `D${U.bob}`,
      ts: h.api.messages(`D${U.bob}`)[0]!.ts,
    });
    await h.settle();
    expect((await h.store.listJobs())[0]?.status).toBe('succeeded');
    const finalCard = readAll(h.api.message(CHANNEL, card.ts)?.blocks);
    expect(finalCard).toMatch(/^✅ 성공 · \/host maintenance hyper2/);
    expect(finalCard).toMatch(/성공 \(.+ 소요\) — 단계 1개: 변경 1/);
    const thread = h.api.thread(CHANNEL, card.ts).map((m) => readAll(m.blocks));
    expect(thread[0]).toMatch(/^계획 · 단계 1개 · job-/);
    expect(thread[0]).toMatch(/\n1\/1 ✅ 변경됨 · /);
    expect(thread.at(-1)).toMatch(/^<@U[A-Z]+> 님, job-[0-9a-f]{4}: 성공 /);
    // The thread holds no English sentence, the step's tail included (labops's lines in it are Korean).
    for (const t of thread) expect(t.replaceAll('/host maintenance hyper2', '')).not.toMatch(ENGLISH_PROSE);
    const bobFinal = readAll(h.api.message(`D${U.bob}`, h.api.messages(`D${U.bob}`)[0]!.ts)?.blocks);
    expect(bobFinal).toMatch(/^✅ SUCCEEDED/);
    expect(bobFinal).toContain('Progress and the result are in the thread of the card in <#CLAB>.');
    const carolFinal = readAll(h.api.message(`D${U.carol}`, h.api.messages(`D${U.carol}`)[0]!.ts)?.blocks);
    expect(carolFinal).toMatch(/^✅ 성공/);
    expect(carolFinal).toContain('진행 상황과 결과는 <#CLAB>의 승인 카드 스레드에 있습니다.');

    // App Home is one person's: in their language.
    await h.homeOpened(KIM);
    await h.homeOpened(U.alice);
    await h.adapter.idle();
    const kimHome = readAll(h.api.homes.get(KIM));
    expect(kimHome).toContain('[새로 고침]');
    expect(kimHome).toContain('실행 중인 작업 (0)');
    expect(kimHome).toContain('결정을 기다리는 승인 카드가 없습니다.');
    const aliceHome = readAll(h.api.homes.get(U.alice));
    expect(aliceHome).toContain('[Refresh]');
    expect(aliceHome).toContain('Running jobs (0)');
  });

  it('sends an approver’s copy of an English lab’s card in the approver’s own language', async () => {
    h = await startSlackHarness({ mode: 'socket' });
    h.api.locales.set(U.bob, 'ko-KR');
    await h.command(U.alice, '/host', 'maintenance hyper2');
    await h.adapter.idle();
    expect(readAll(h.api.messages(CHANNEL)[0]?.blocks)).toMatch(/^⏳ AWAITING APPROVAL/);
    const bobCopy = readAll(h.api.messages(`D${U.bob}`)[0]?.blocks);
    expect(bobCopy).toMatch(/^⏳ 승인 대기 · \/host maintenance hyper2/);
    expect(bobCopy).toContain('[승인] [거부]');
    expect(readAll(h.api.messages(`D${U.carol}`)[0]?.blocks)).toMatch(/^⏳ AWAITING APPROVAL/);

    // A decision redraws each copy in its reader's language, never the lab's.
    await h.click(U.carol, ACTION.deny, 'a1', {
      channel: `D${U.carol}`,
      ts: h.api.messages(`D${U.carol}`)[0]!.ts,
    });
    await h.adapter.idle();
    const bobDenied = readAll(h.api.message(`D${U.bob}`, h.api.messages(`D${U.bob}`)[0]!.ts)?.blocks);
    expect(bobDenied).toMatch(/^🚫 거부됨/);
    expect(bobDenied).toContain('🚫 <@UCAROL> 님이 거부했습니다. 아무것도 실행되지 않았습니다.');
    expect(
      readAll(h.api.messages(CHANNEL)[0] && h.api.message(CHANNEL, h.api.messages(CHANNEL)[0]!.ts)?.blocks),
    ).toContain('🚫 Denied by <@UCAROL>; nothing ran.');
  });
});
