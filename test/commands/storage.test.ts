import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderText } from '../../src/i18n/render.js';
import type { Text } from '../../src/i18n/text.js';
import type { DispatchResult } from '../../src/labops.js';
import { localizePlan, type Plan } from '../../src/plan.js';
import { localizeView, type View } from '../../src/view.js';
import { type CoreHarness, shellCaller, startCore } from '../support/core.js';
import { expectCard as card, expectError, viewText } from '../support/dispatch.js';
import { findLeaks } from '../support/i18n-leaks.js';

let core: CoreHarness;
beforeEach(async () => {
  core = await startCore();
});
afterEach(async () => {
  await core?.close();
});

const run = (text: string) =>
  core.labops.dispatch({ command: '/storage', text, caller: shellCaller('operator') });

async function approveAndRun(result: DispatchResult) {
  const c = card(result);
  const click = await core.labops.click(c.approval.id, shellCaller('alice'), 'approve');
  expect(click.outcome, click.message).toBe('approved');
  return core.labops.executor.whenFinished(c.job.id);
}

describe('/storage', () => {
  it('shows the domains with their status in the data center', async () => {
    const text = viewText(await run('status'));
    expect(text).toContain('nfs-data  active  data master');
    expect(text).toContain('nfs-iso  active  iso');
  });

  it('detaches a domain in the engine order, then removes it with format', async () => {
    const detaching = await run('detach nfs-iso');
    const detach = card(detaching);
    expect(detach.plan.steps.map((s) => s.kind)).toEqual(['storage.deactivate', 'storage.detach']);
    expect(detach.approval.risk).toBe('destructive');
    const job = await approveAndRun(detaching);
    expect(job?.status, job?.error).toBe('succeeded');
    expect((await core.store.listSteps(job!.id)).map((s) => s.endState)).toEqual([
      'nfs-iso is in maintenance',
      'nfs-iso is unattached',
    ]);
    const removing = await run('remove nfs-iso --format');
    expect(card(removing).plan.steps.map((s) => s.kind)).toEqual(['storage.remove']);
    expect((await approveAndRun(removing))?.status).toBe('succeeded');
    expect((await core.lab.client.listStorageDomains()).map((d) => d.name)).toEqual(['nfs-data']);
  });

  it('refuses to detach the last master data domain, saying what to do', async () => {
    const result = await run('detach nfs-data');
    expect(result.kind).toBe('error');
    if (result.kind !== 'error') return;
    expect(result.error.message).toContain('last master data domain');
    expect(result.error.hint).toContain('another data domain');
  });

  it('fails on a domain a host still uses, with the engine words naming the host (FAQ 4)', async () => {
    core.lab.sim.knobs.holdDomain('nfs-iso', 'hyper2');
    const job = await approveAndRun(await run('detach nfs-iso'));
    expect(job?.status).toBe('failed');
    expect(job?.error).toContain('Step 1 (Put nfs-iso into maintenance) failed');
    expect(job?.error).toContain('hyper2');
    expect(job?.error).toContain('Nothing was changed.');
  });

  it('warns that files stay behind when removing without format', async () => {
    const result = card(await run('remove nfs-iso'));
    expect(result.plan.impact.join(' ')).toContain('/storage clean (FAQ 1)');
    expect(result.plan.steps.map((s) => s.kind)).toEqual([
      'storage.deactivate',
      'storage.detach',
      'storage.remove',
    ]);
  });
});

/** `text` as a Korean reader sees it, after checking that none of it is English outside the catalog. */
function korean(text: Text): string {
  expect(findLeaks(text), renderText('en', text)).toEqual([]);
  return renderText('ko', text);
}

function rawView(result: DispatchResult): View {
  if (result.kind !== 'view') throw new Error(`expected a view, got ${result.kind}`);
  return result.view;
}

/** The plan as stored with the card, before any reader's language. */
function rawPlan(result: DispatchResult): Plan {
  if (result.kind !== 'card') throw new Error(`expected a card, got ${result.kind}`);
  return result.card.plan;
}

/** Every text of a plan (its runbook-free parts: /storage detach and remove have none). */
function planTexts(plan: Plan): Text[] {
  return [
    plan.summary,
    ...plan.riskReasons,
    ...plan.impact,
    ...plan.warnings,
    ...plan.blockers,
    ...plan.steps.map((s) => s.title),
  ];
}

describe('/storage in Korean', () => {
  it('shows the status view in Korean, with names, engine states and sizes as they are', async () => {
    const view = rawView(await run('status'));
    for (const text of [
      view.title,
      view.state!.text,
      ...view.sections.flatMap((s) => [s.heading!, ...s.lines]),
    ]) {
      korean(text);
    }
    const ko = localizeView(view, 'ko');
    expect(ko.title).toBe('스토리지');
    expect(ko.state?.text).toBe('연결된 도메인 2개 중 2개 active');
    expect(ko.sections[0]?.heading).toBe('데이터 센터 Default');
    expect(ko.sections[0]?.lines[0]).toMatch(
      /^nfs-data {2}active {2}data 마스터 {2}여유 \d+ GiB {2}ovirt\.abc\.local:\/export\/data$/,
    );
    expect(ko.sections[0]?.lines[1]).toMatch(/^nfs-iso {2}active {2}iso {2}여유 \d+ GiB {2}/);
    // The English reader's line is as it was.
    expect(localizeView(view, 'en').sections[0]?.lines[0]).toMatch(
      /^nfs-data {2}active {2}data master {2}\d+ GiB free {2}ovirt\.abc\.local:\/export\/data$/,
    );
  });

  it('puts the detach and remove cards, and the end state of each step, in Korean', async () => {
    const detach = await run('detach nfs-iso');
    const plan = rawPlan(detach);
    planTexts(plan).forEach(korean);
    const ko = localizePlan(plan, 'ko');
    expect(ko.summary).toBe('Default에서 nfs-iso 도메인 분리');
    expect(ko.steps.map((s) => s.title)).toEqual([
      'nfs-iso 도메인을 유지보수 모드로 전환',
      '데이터 센터에서 nfs-iso 도메인 분리',
    ]);
    expect(ko.impact).toEqual([
      '지금 마운트한 호스트: hyper1 및 hyper2. 사용 중인 호스트가 있으면 유지보수 모드로 전환되지 않습니다(실습 가이드 FAQ 4).',
      'nfs-iso 도메인에 디스크가 있는 VM은 분리된 동안 실행할 수 없습니다.',
    ]);
    const job = await approveAndRun(detach);
    const steps = await core.store.listSteps(job!.id);
    expect(steps.map((s) => korean(s.endStateText!))).toEqual([
      'nfs-iso 도메인이 maintenance 상태임',
      'nfs-iso 도메인이 unattached 상태임',
    ]);

    const removal = await run('remove nfs-iso --format');
    const removalPlan = rawPlan(removal);
    planTexts(removalPlan).forEach(korean);
    const koRemoval = localizePlan(removalPlan, 'ko');
    expect(koRemoval.summary).toBe('nfs-iso 도메인 제거 및 파일 삭제');
    expect(koRemoval.impact).toEqual([
      'ovirt.abc.local:/export/iso에서 도메인의 파일을 지웁니다. 그 도메인의 디스크와 VM 데이터는 사라집니다.',
    ]);
    expect(koRemoval.steps.map((s) => s.title)).toEqual(['nfs-iso 도메인 제거 (format)']);
    const removed = await approveAndRun(removal);
    const [step] = await core.store.listSteps(removed!.id);
    expect(korean(step!.endStateText!)).toBe('nfs-iso 도메인이 엔진에서 제거됨');
  });

  it('says in Korean that files stay behind when removing without format (FAQ 1)', async () => {
    const plan = rawPlan(await run('remove nfs-iso'));
    planTexts(plan).forEach(korean);
    expect(localizePlan(plan, 'ko').impact.at(-1)).toBe(
      '도메인의 파일이 ovirt.abc.local:/export/iso에 남습니다. /storage clean으로 비우기 전에는 그곳에 새 도메인을 추가할 수 없습니다(FAQ 1).',
    );
  });

  it('answers /storage help and the usage of a sub-command in Korean', async () => {
    const help = rawView(await run('help'));
    const texts = (view: View) => [view.title, ...view.sections.flatMap((s) => [s.heading!, ...s.lines])];
    texts(help).forEach(korean);
    const ko = localizeView(help, 'ko');
    expect(ko.sections[0]?.heading).toBe(
      '/storage — 스토리지: 도메인과 NFS 서버 — status, prepare, attach, detach, remove, clean, fix-permissions',
    );
    expect(ko.sections[0]?.lines).toContain(
      '/storage clean EXPORT — 이전 도메인의 파일이 남은 export 디렉터리 비우기 (실습 가이드 FAQ 1)',
    );
    const usage = rawView(await run('remove help'));
    texts(usage).forEach(korean);
    expect(localizeView(usage, 'ko').sections[0]?.lines).toEqual([
      'NAME — 스토리지 도메인',
      '--format — export 디렉터리에서 도메인 파일까지 지움 (지우지 않으면 남음: FAQ 1)',
    ]);
  });

  it('refuses in Korean: the last master, a domain that does not exist, a name of the wrong form', async () => {
    const master = expectError(await run('detach nfs-data'));
    expect(korean(master.text)).toBe(
      'nfs-data 도메인은 데이터 센터의 마지막 마스터 데이터 도메인이라 엔진이 분리할 수 없습니다.',
    );
    expect(korean(master.hintText!)).toBe(
      '마스터 역할이 옮겨 갈 수 있도록 먼저 다른 데이터 도메인을 연결하고 활성화하십시오.',
    );

    const missing = expectError(await run('detach nope'));
    expect(missing.code).toBe('NOT_FOUND');
    expect(korean(missing.text)).toBe('"nope" 스토리지 도메인이 없습니다.');
    expect(korean(missing.hintText!)).toBe(
      '도메인: nfs-data 및 nfs-iso. /storage status에서 볼 수 있습니다.',
    );
    expect(missing.hint).toBe('Domains: nfs-data and nfs-iso. /storage status shows them.');

    const malformed = expectError(await run('detach bad!name'));
    expect(malformed.code).toBe('USAGE');
    const shown = [malformed.text, ...malformed.detailTexts].map(korean).join('\n');
    expect(shown).toContain('nfs-data 같은 스토리지 도메인 이름이어야 합니다');
  });
});

describe('/host add and remove', () => {
  const host = (text: string) =>
    core.labops.dispatch({ command: '/host', text, caller: shellCaller('operator') });

  it('removes a host that is up by putting it into maintenance first, then adds it back', async () => {
    const removal = card(await host('remove hyper2'));
    expect(removal.plan.steps.map((s) => s.kind)).toEqual(['host.deactivate', 'host.remove']);
    expect(removal.plan.impact).toContain('app1 → hyper1 (live migration)');
    expect((await approveAndRun(removal.result))?.status).toBe('succeeded');
    expect((await core.lab.client.listHosts()).map((h) => h.name)).toEqual(['hyper1']);

    const address = core.lab.sim.machines.get('hyper2')!.address;
    const adding = card(await host(`add hyper2 ${address}`));
    expect(adding.approval.risk).toBe('change');
    const click = await core.labops.click(adding.approval.id, shellCaller('operator'), 'approve');
    expect(click.outcome).toBe('approved');
    const job = await core.labops.executor.whenFinished(adding.job.id);
    expect(job?.status, job?.error).toBe('succeeded');
    expect((await core.store.listSteps(job!.id))[0]?.endState).toBe('hyper2 is up');
  });

  it("shows the engine's events when an install fails (the key missing: the guide's authorized.keys typo)", async () => {
    const removal = card(await host('remove hyper2'));
    expect((await approveAndRun(removal.result))?.status).toBe('succeeded');
    core.lab.sim.knobs.typoAuthorizedKeys('hyper2');
    const adding = card(await host(`add hyper2 ${core.lab.sim.machines.get('hyper2')!.address}`));
    await core.labops.click(adding.approval.id, shellCaller('operator'), 'approve');
    const job = await core.labops.executor.whenFinished(adding.job.id);
    expect(job?.status).toBe('failed');
    expect(job?.error).toContain('The engine says:');
    expect(job?.error).toContain('/host prepare hyper2');
  });

  it("installs the engine's key first when asked, so the same add succeeds", async () => {
    const removal = card(await host('remove hyper2'));
    expect((await approveAndRun(removal.result))?.status).toBe('succeeded');
    core.lab.sim.knobs.typoAuthorizedKeys('hyper2');
    const address = core.lab.sim.machines.get('hyper2')!.address;
    const adding = card(await host(`add hyper2 ${address} --install-key`));
    expect(adding.plan.steps.map((s) => s.kind)).toEqual(['runbook.apply', 'host.add']);
    await core.labops.click(adding.approval.id, shellCaller('operator'), 'approve');
    const job = await core.labops.executor.whenFinished(adding.job.id);
    expect(job?.status, job?.error).toBe('succeeded');
  });

  it('refuses to add a name the engine already has', async () => {
    const result = await host('add hyper1 somewhere.abc.local');
    expect(result.kind === 'error' && result.error.message).toContain('already has hyper1');
  });
});
