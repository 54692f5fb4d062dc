import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LabopsError } from '../../src/errors.js';
import { renderText } from '../../src/i18n/render.js';
import { msg, type Text } from '../../src/i18n/text.js';
import { defineStep } from '../../src/jobs/steps.js';
import type { DispatchResult } from '../../src/labops.js';
import { localizeView, type View } from '../../src/view.js';
import { type CoreHarness, SIM_POLICY, shellCaller, startCore } from '../support/core.js';
import { expectError } from '../support/dispatch.js';
import { findLeaks } from '../support/i18n-leaks.js';
import { queueTestJob } from '../support/jobs.js';

/**
 * The dispatch pipeline, the approval flow and the jobs in Korean (issue 16): usage errors,
 * help, refusals, click answers, void cards, cancels and a failed job's report, each a sentence
 * of the catalog with its names and values, and no English left but names, commands and the
 * engine's own words.
 */

const ko = (text: Text) => renderText('ko', text);
const operator = shellCaller('operator');

/** Each of `texts` comes from the catalog whole: nothing a Korean reader would read in English. */
function expectAllInCatalog(texts: readonly (Text | undefined)[]): void {
  expect(texts.flatMap((text) => (text === undefined ? [] : findLeaks(text)))).toEqual([]);
}

function inKorean(error: LabopsError) {
  expectAllInCatalog([error.text, error.hintText, ...error.detailTexts]);
  return {
    message: ko(error.text),
    details: error.detailTexts.map(ko),
    hint: error.hintText === undefined ? undefined : ko(error.hintText),
  };
}

function rawView(result: DispatchResult): View {
  if (result.kind !== 'view') throw new Error(`expected a view, got ${result.kind}`);
  return result.view;
}

function rawCard(result: DispatchResult) {
  if (result.kind !== 'card') throw new Error(`expected a card, got ${result.kind}`);
  return result.card;
}

const failingStep = defineStep({
  kind: 'test.deactivate-then-fail',
  params: z.object({ host: z.string() }),
  async run(ctx, params) {
    const host = await ctx.engine.findHost(params.host, { signal: ctx.signal });
    await ctx.engine.deactivateHost(host.id, undefined, { signal: ctx.signal });
    throw new Error('the step broke after its write');
  },
});

let core: CoreHarness;
afterEach(async () => {
  await core?.close();
});

const dispatch = (command: string, text: string, caller = operator) =>
  core.labops.dispatch({ command, text, caller });

describe('the pipeline in Korean', () => {
  beforeEach(async () => {
    core = await startCore();
  });

  it('names every argument problem, the usage and the examples', async () => {
    const error = inKorean(expectError(await dispatch('/host', 'maintenance --reasn --bogus')));
    expect(error.message).toBe('/host maintenance: 인자에 문제가 3개 있습니다.');
    expect(error.details).toEqual([
      '알 수 없는 옵션 --reasn — --reason을(를) 입력하려던 것입니까?',
      '알 수 없는 옵션 --bogus — 이 명령의 옵션: --reason',
      expect.stringMatching(/^HOST이\(가\) 빠졌습니다\(.+\)$/),
    ]);
    expect(error.hint).toBe(
      '사용법: /host maintenance HOST [--reason TEXT]\n예: /host maintenance hyper1  ·  /host maintenance hyper2 --reason "kernel update"',
    );
  });

  it('suggests the sub-command, lists the commands, and points at an open quote', async () => {
    expect(inKorean(expectError(await dispatch('/host', 'maintenence hyper1')))).toEqual({
      message: '/host에는 "maintenence" 하위 명령이 없습니다. maintenance을(를) 입력하려던 것입니까?',
      details: [],
      hint: '/host status | maintenance | activate | trust | prepare | add | remove — 각 하위 명령의 설명은 /host help에 있습니다.',
    });
    expect(inKorean(expectError(await dispatch('/vm', 'boot web1')))).toEqual({
      message: 'labops에는 /vm 명령이 없습니다.',
      details: [],
      hint: '명령: /lab, /host, /iso 및 /storage. /lab help에서 전체를 볼 수 있습니다.',
    });
    const quote = inKorean(expectError(await dispatch('/host', 'maintenance hyper1 --reason "kernel')));
    expect(quote.message).toBe('29번째 문자의 큰따옴표가 닫히지 않았습니다: "\\"kernel".');
    expect(quote.hint).toBe(
      '따옴표를 닫으십시오(예: --reason "kernel update"). 큰따옴표 안에서 따옴표는 \\"로 씁니다.',
    );
  });

  it('answers /lab help and a sub-command’s usage in Korean', async () => {
    const help = rawView(await dispatch('/lab', 'help'));
    expectAllInCatalog([help.title, help.footer]);
    const shown = localizeView(help, 'ko');
    expect(shown.title).toBe('labops 명령');
    expect(shown.footer).toBe('하위 명령 뒤에 help를 붙이면 옵션과 예를 볼 수 있습니다: /lab status help');
    expect(shown.sections.map((s) => s.heading?.split(' — ')[0])).toEqual([
      '/lab',
      '/host',
      '/iso',
      '/storage',
    ]);

    const usage = rawView(await dispatch('/host', 'maintenance help'));
    expectAllInCatalog([usage.state?.text, ...usage.sections.map((s) => s.heading)]);
    const usageShown = localizeView(usage, 'ko');
    expect(usageShown.title).toBe('/host maintenance HOST [--reason TEXT]');
    expect(usageShown.state?.text).toMatch(/ \(위험도: 파괴적\)$/);
    expect(usageShown.sections.map((s) => s.heading)).toEqual(['인자', '예']);
  });

  it('refuses a locked target, naming the job and who asked', async () => {
    const first = rawCard(await dispatch('/host', 'maintenance hyper1'));
    const error = inKorean(expectError(await dispatch('/host', 'maintenance hyper1')));
    expect(error.message).toBe(
      `호스트 hyper1은(는) ${first.job.id}이(가) 잠그고 있습니다(요청자: shell:operator).`,
    );
    expect(error.hint).toBe(
      `${first.job.id}이(가) 끝나기를 기다리거나 취소하십시오: /lab cancel ${first.job.id}.`,
    );
  });
});

describe('approvals in Korean', () => {
  it('answers each click in the clicker’s words: refused, counted, approved', async () => {
    core = await startCore({
      policy: { ...SIM_POLICY, commands: { 'host maintenance': { risk: 'critical' } } },
    });
    const card = rawCard(await dispatch('/host', 'maintenance hyper2'));
    const { id } = card.approval;

    const stranger = await core.labops.click(id, shellCaller('zed'), 'approve');
    expect(stranger.outcome).toBe('refused');
    expect(ko(stranger.text)).toBe(
      `shell:zed은(는) ${id}의 승인자가 아닙니다. 다음 중 두 명이 승인해야 합니다: shell:alice, shell:bob, shell:carol.`,
    );
    const first = await core.labops.click(id, shellCaller('alice'), 'approve');
    expect(ko(first.text)).toBe(
      `shell:alice이(가) ${id}을(를) 승인했습니다(2명 중 1명). 다른 승인자를 기다립니다.`,
    );
    const again = await core.labops.click(id, shellCaller('alice'), 'approve');
    expect(ko(again.text)).toBe(
      `shell:alice은(는) 이미 ${id}을(를) 결정했습니다. 다시 눌러도 바뀌지 않습니다.`,
    );
    const last = await core.labops.click(id, shellCaller('bob'), 'approve');
    expect(last.outcome).toBe('approved');
    expect(ko(last.text)).toBe(
      `shell:alice 및 shell:bob이(가) ${id}을(를) 승인했습니다. 작업 ${card.job.id}을(를) 실행합니다.`,
    );
    const late = await core.labops.click(id, shellCaller('carol'), 'deny');
    expect(ko(late.text)).toBe(`${id}은(는) 이미 승인됨 상태입니다. 바뀐 것은 없습니다.`);
    for (const click of [stranger, first, again, last, late]) expectAllInCatalog([click.text]);
    // The English stays for logs and the audit trail.
    expect(last.message).toBe(`${id} approved by shell:alice and shell:bob; job ${card.job.id} runs.`);
    await core.labops.executor.whenFinished(card.job.id);
  });

  it('voids a card whose plan no longer holds and says so in Korean, on the click and on the job', async () => {
    core = await startCore();
    const card = rawCard(await dispatch('/host', 'maintenance hyper1'));
    core.lab.sim.knobs.pinVm('web1');
    const click = await core.labops.click(card.approval.id, shellCaller('alice'), 'approve');
    if (click.outcome !== 'void') throw new Error(`expected a void card, got ${click.outcome}`);
    const change = 'VM web1: up on hyper1, migratable → up on hyper1, pinned';
    expect(click.changeTexts.map(ko)).toEqual([change]);
    expect(ko(click.text)).toBe(
      `${card.approval.id}은(는) 무효입니다. 계획을 세운 뒤 실습 환경이 바뀌었습니다(${change}). 새 계획을 받으려면 명령을 다시 실행하십시오.`,
    );
    const job = await core.store.getJob(card.job.id);
    expect(ko(job!.errorText!)).toBe(`계획을 세운 뒤 실습 환경이 바뀌었습니다: ${change}`);
    expectAllInCatalog([click.text, job!.errorText]);
    // The audit trail keeps the change in English.
    const [voided] = (await core.store.listAudit(10)).filter((e) => e.type === 'approval:voided');
    expect(voided?.detail).toEqual({ changes: [change] });
  });
});

describe('jobs in Korean', () => {
  it('cancels a waiting job and says what there is left to cancel', async () => {
    core = await startCore();
    const card = rawCard(await dispatch('/host', 'maintenance hyper2'));
    const voided: Text[] = [];
    core.labops.bus.subscribe((event) => {
      if (event.type === 'approval:voided') voided.push(...event.changeTexts);
    });
    const answer = await core.labops.jobs.cancel(card.job.id, 'shell:operator');
    expect(ko(answer)).toBe(`${card.job.id}은(는) 대기 중이었습니다. 취소되어 실행되지 않습니다.`);
    expect(voided.map(ko)).toEqual(['shell:operator이(가) 취소함']);
    const job = await core.store.getJob(card.job.id);
    expect(ko(job!.errorText!)).toBe('shell:operator이(가) 취소했습니다.');
    expect(job!.error).toBe('Cancelled by shell:operator.');

    const twice = await core.labops.jobs.cancel(card.job.id, 'shell:operator').catch((e: LabopsError) => e);
    expect(inKorean(twice as LabopsError).message).toBe(
      `${card.job.id}은(는) 취소됨 상태입니다. 취소할 것이 없습니다.`,
    );
    const none = await core.labops.jobs.cancel('job-none', 'shell:operator').catch((e: LabopsError) => e);
    expect(inKorean(none as LabopsError)).toEqual({
      message: '작업 job-none이(가) 없습니다.',
      details: [],
      hint: '/lab jobs에서 작업 목록을 볼 수 있습니다.',
    });
    expectAllInCatalog([answer, ...voided, job!.errorText]);
  });

  it('reports a failed step and what it changed, target by target', async () => {
    core = await startCore({ extraSteps: [failingStep] });
    await queueTestJob(core.store, {
      id: 'job-fail',
      steps: [
        {
          kind: 'test.deactivate-then-fail',
          title: msg('host.maintenance.title', { host: 'hyper2' }),
          params: { host: 'hyper2' },
        },
      ],
      locks: ['host:hyper2', 'vm:web1'],
      createdAt: core.clock.now,
    });
    const job = await core.labops.executor.run('job-fail');
    expect(job.status).toBe('failed');
    // The step's own error is the thrown one's words, shown as they are.
    expect(ko(job.errorText!)).toMatch(
      /^1단계\(hyper2 유지보수 모드 전환\)가 실패했습니다: 예상하지 못한 오류: the step broke after its write 바뀜: 호스트 hyper2 up → (preparing_for_maintenance|maintenance)\. 그대로: VM web1의 CD; VM web1의 CD\(현재\); VM web1\.$/,
    );
    expect(job.error).toMatch(
      /^Step 1 \(Put hyper2 into maintenance\) failed: .* Changed: host hyper2 up → /,
    );
    expectAllInCatalog([job.errorText]);
  });
});
