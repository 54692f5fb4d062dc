import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DispatchResult } from '../../src/labops.js';
import { localizeView, type View } from '../../src/view.js';
import { type CoreHarness, shellCaller, startCore } from '../support/core.js';
import { expectCard, expectView } from '../support/dispatch.js';
import { findLeaks } from '../support/i18n-leaks.js';

/**
 * /lab status, jobs, cancel and audit in both languages (issue 16): the Korean reads as written,
 * with the engine's words (`up`, `active`) and names as they are, and stays phone-sized.
 */

let core: CoreHarness;
beforeEach(async () => {
  core = await startCore();
});
afterEach(async () => {
  await core?.close();
});

const operator = shellCaller('operator');
const lab = (text: string) => core.labops.dispatch({ command: '/lab', text, caller: operator });

function rawView(result: DispatchResult): View {
  if (result.kind !== 'view') throw new Error(`expected a view, got ${result.kind}`);
  return result.view;
}

/** Every text of a view, as the adapters render them. */
function textsOf(view: View) {
  return [
    view.title,
    ...(view.state ? [view.state.text] : []),
    ...view.sections.flatMap((s) => [...(s.heading === undefined ? [] : [s.heading]), ...s.lines]),
    ...(view.actions ?? []).map((a) => a.label),
    ...(view.footer === undefined ? [] : [view.footer]),
  ];
}

/** Columns on a phone: a Hangul syllable is as wide as two Latin letters. */
function widthOf(line: string): number {
  let width = 0;
  for (const ch of line) width += /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]/.test(ch) ? 2 : 1;
  return width;
}

describe('/lab status', () => {
  it('reads in Korean line for line as in English, each line as narrow on a phone', async () => {
    // A card waiting, so the jobs section has a line.
    expectCard(
      await core.labops.dispatch({ command: '/host', text: 'maintenance hyper1', caller: operator }),
    );
    const view = rawView(await lab('status'));
    const en = localizeView(view, 'en');
    const ko = localizeView(view, 'ko');

    expect(en.title).toBe('Lab status — SIMULATED LAB');
    expect(ko.title).toBe('실습 환경 상태 — 시뮬레이션');
    expect(en.state?.text).toMatch(/^\S+ up · hosts 2\/2 up · storage 2\/2 active$/);
    expect(ko.state?.text).toMatch(/^\S+ up · 호스트 2\/2 up · 스토리지 2\/2 active$/);
    expect(ko.sections.map((s) => s.heading)).toEqual(['엔진', '호스트', '스토리지', '작업']);
    const [engine, hosts, storage, jobs] = ko.sections.map((s) => s.lines);
    expect(engine).toEqual([expect.stringMatching(/^oVirt 4\.3\.11\.\d+ \(API 모델 4\.3\.31\)$/)]);
    expect(hosts).toEqual([
      expect.stringMatching(/^hyper1 {2}up {2}VM \d+개( {2}SPM)?$/),
      expect.stringMatching(/^hyper2 {2}up {2}VM \d+개( {2}SPM)?$/),
    ]);
    expect(storage).toEqual([
      expect.stringMatching(/^nfs-data {2}active {2}data master {2}\d+(\.\d)? GiB 남음$/),
      expect.stringMatching(/^nfs-iso {2}active {2}iso {2}\d+(\.\d)? GiB 남음$/),
    ]);
    // The job awaiting approval, then its card.
    expect(jobs).toEqual([
      expect.stringMatching(/^job-\S+ {2}\/host maintenance hyper1 — 승인 대기, shell:operator$/),
      expect.stringMatching(/^\S+ 승인 대기: \/host maintenance hyper1 \(shell:operator\)$/),
    ]);
    expect(en.sections[3]?.lines).toEqual([
      expect.stringMatching(/^job-\S+ {2}\/host maintenance hyper1 — awaiting approval, shell:operator$/),
      expect.stringMatching(/^\S+ awaits approval: \/host maintenance hyper1 \(shell:operator\)$/),
    ]);

    // Phone-sized: the same lines, each about as wide as its English (a Hangul word of a few
    // syllables may take a column or two more than the English word).
    const enLines = [en.title, en.state?.text ?? '', ...en.sections.flatMap((s) => s.lines)];
    const koLines = [ko.title, ko.state?.text ?? '', ...ko.sections.flatMap((s) => s.lines)];
    expect(koLines).toHaveLength(enLines.length);
    koLines.forEach((line, i) => {
      expect(widthOf(line), `${line} | ${enLines[i]}`).toBeLessThanOrEqual(widthOf(enLines[i] ?? '') + 2);
    });
    expect(textsOf(view).flatMap(findLeaks)).toEqual([]);
  });
});

describe('/lab jobs and /lab cancel', () => {
  it('names job states with the glossary’s words and says how long ago, in each language', async () => {
    const card = expectCard(
      await core.labops.dispatch({ command: '/host', text: 'maintenance hyper1', caller: operator }),
    );
    core.clock.now += 5 * 60_000;
    const waiting = rawView(await lab('jobs'));
    const line = `${card.job.id}  /host maintenance hyper1`;
    expect(localizeView(waiting, 'en').sections[0]?.lines).toEqual([
      `${line} — awaiting approval, shell:operator, 5 min ago`,
    ]);
    const ko = localizeView(waiting, 'ko');
    expect(ko.title).toBe('작업');
    expect(ko.state?.text).toBe('실행 또는 대기 중 1개');
    expect(ko.sections.map((s) => s.heading)).toEqual(['실행 중·대기 중', '최근']);
    expect(ko.sections[0]?.lines).toEqual([`${line} — 승인 대기, shell:operator, 5분 전`]);
    expect(ko.sections[1]?.lines).toEqual(['없음']);
    expect(textsOf(waiting).flatMap(findLeaks)).toEqual([]);

    const cancelled = rawView(await lab(`cancel ${card.job.id}`));
    expect(localizeView(cancelled, 'en').title).toBe(`Cancel ${card.job.id}`);
    expect(localizeView(cancelled, 'ko').title).toBe(`${card.job.id} 취소`);
    const after = localizeView(rawView(await lab('jobs')), 'ko');
    expect(after.state?.text).toBe('실행 또는 대기 중 0개');
    expect(after.sections[1]?.lines).toEqual([`${line} — 취소됨, shell:operator, 5분 전`]);
  });
});

describe('/lab audit', () => {
  it('shows times of day in the lab’s time zone, UTC unless it names one, and its words in Korean', async () => {
    // The test clock stands at 10:00:00 UTC.
    const card = expectCard(
      await core.labops.dispatch({ command: '/host', text: 'maintenance hyper1', caller: operator }),
    );
    core.clock.now += 61_000;
    await lab(`cancel ${card.job.id}`);
    const result = await lab('audit');
    const en = expectView(result);
    expect(en.title).toBe('Audit trail');
    expect(en.state?.text).toBe('the last 3 events, newest first');
    expect(en.sections[0]?.lines).toEqual([
      `10:01:01 command:ran shell:operator — /lab cancel ${card.job.id}`,
      `10:01:01 job:cancelled shell:operator ${card.job.id}`,
      `10:00:00 approval:requested shell:operator ${card.job.id} — /host maintenance hyper1`,
    ]);
    expect(en.footer).toBe('The full trail exports as JSON lines: npm start -- --export-audit');

    const view = rawView(result);
    const ko = localizeView(view, 'ko', { timeZone: 'Asia/Seoul' });
    expect(ko.title).toBe('감사 기록');
    expect(ko.state?.text).toBe('최근 이벤트 3개, 최신순');
    expect(ko.sections[0]?.lines).toEqual([
      `19:01:01 command:ran shell:operator — /lab cancel ${card.job.id}`,
      `19:01:01 job:cancelled shell:operator ${card.job.id}`,
      `19:00:00 approval:requested shell:operator ${card.job.id} — /host maintenance hyper1`,
    ]);
    expect(ko.footer).toBe('전체 기록은 JSON lines로 내보낼 수 있습니다: npm start -- --export-audit');
    expect(localizeView(view, 'en', { timeZone: 'Asia/Seoul' }).sections[0]?.lines[2]).toMatch(/^19:00:00 /);
    expect(textsOf(view).flatMap(findLeaks)).toEqual([]);
  });

  it('says so in Korean when there is nothing yet', async () => {
    const ko = localizeView(rawView(await lab('audit')), 'ko');
    expect(ko.state?.text).toBe('최근 이벤트 0개, 최신순');
    expect(ko.sections[0]?.lines).toEqual(['아직 없음']);
  });
});
