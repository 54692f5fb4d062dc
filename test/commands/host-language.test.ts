import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabopsError } from '../../src/errors.js';
import { renderText } from '../../src/i18n/render.js';
import { list, msg, type Text } from '../../src/i18n/text.js';
import type { DispatchResult } from '../../src/labops.js';
import type { Plan } from '../../src/plan.js';
import { localizePlan } from '../../src/plan.js';
import { localizeView, type View } from '../../src/view.js';
import { approveAndRun, type CoreHarness, shellCaller, startCore } from '../support/core.js';
import { expectError } from '../support/dispatch.js';
import { findLeaks } from '../support/i18n-leaks.js';

/** /host in Korean (issue 16): each text a reader sees, in the guide's words, and nothing outside the catalog. */

let core: CoreHarness;
beforeEach(async () => {
  core = await startCore();
});
afterEach(async () => {
  await core?.close();
});

const operator = shellCaller('operator');
const host = (text: string) => core.labops.dispatch({ command: '/host', text, caller: operator });
const ko = (text: Text) => renderText('ko', text);

/** Every text of `texts` is the catalog's, with names and engine words as values: no English left. */
function expectAllInCatalog(texts: readonly (Text | undefined)[]): void {
  const leaks = texts.flatMap((text) => (text === undefined ? [] : findLeaks(text)));
  expect(leaks).toEqual([]);
}

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

function viewTexts(view: View): Text[] {
  return [
    view.title,
    ...(view.state ? [view.state.text] : []),
    ...view.sections.flatMap((s) => [...(s.heading === undefined ? [] : [s.heading]), ...s.lines]),
  ];
}

function rawCard(result: DispatchResult) {
  if (result.kind !== 'card') throw new Error(`expected a card, got ${result.kind}`);
  return result.card;
}

function rawView(result: DispatchResult): View {
  if (result.kind !== 'view') throw new Error(`expected a view, got ${result.kind}`);
  return result.view;
}

function errorInKorean(error: LabopsError) {
  expectAllInCatalog([error.text, error.hintText]);
  return { message: ko(error.text), hint: error.hintText === undefined ? undefined : ko(error.hintText) };
}

describe('/host in Korean', () => {
  it('plans maintenance in Korean: the migrations, the SPM, the step', async () => {
    const card = rawCard(await host('maintenance hyper1 --reason "커널 업데이트"'));
    expectAllInCatalog(planTexts(card.plan));
    const plan = localizePlan(card.plan, 'ko');
    expect(plan.summary).toBe('hyper1 유지보수 모드 전환 (커널 업데이트)');
    expect(plan.impact).toEqual([
      'db1 → hyper2 (라이브 마이그레이션)',
      'web1 → hyper2 (라이브 마이그레이션)',
      'hyper1 호스트가 SPM입니다. 역할이 다른 호스트로 넘어가는 동안 데이터 센터가 잠시 up 상태가 아닙니다.',
    ]);
    expect(plan.steps.map((s) => s.title)).toEqual([
      'hyper1 유지보수 모드 전환',
      'Default 데이터 센터가 새 SPM으로 up 될 때까지 대기',
    ]);
  });

  it('says in Korean why a pinned VM blocks maintenance and raises the risk', async () => {
    core.lab.sim.knobs.pinVm('web1');
    const card = rawCard(await host('maintenance hyper1'));
    expectAllInCatalog(planTexts(card.plan));
    const plan = localizePlan(card.plan, 'ko');
    expect(plan.blockers).toEqual([
      'web1 VM은 hyper1에 고정되어 있어 엔진이 옮기지 않습니다. 이 VM을 중지하거나 마이그레이션할 때까지 hyper1 호스트는 preparing_for_maintenance 상태로 남습니다.',
    ]);
    expect(plan.riskReasons).toEqual(['옮기지 못한 VM이 이 호스트에 남습니다.']);
  });

  it('shows /host status in Korean, with counts, lists and sizes as Korean writes them', async () => {
    const all = rawView(await host('status'));
    expectAllInCatalog(viewTexts(all));
    const shown = localizeView(all, 'ko');
    expect(shown.title).toBe('호스트');
    expect(shown.state?.text).toBe('2대 중 2대 up');
    expect(shown.sections[0]?.lines[0]).toBe('hyper1  up · SPM  VM 2개');

    const one = rawView(await host('status hyper1'));
    expectAllInCatalog(viewTexts(one));
    const detail = localizeView(one, 'ko');
    expect(detail.title).toBe('호스트 hyper1');
    expect(detail.state?.text).toBe('up');
    const [head, vms, about] = detail.sections[0]?.lines ?? [];
    expect(head).toBe('hyper1  up · SPM  VM 2개');
    expect(vms).toBe('VM: web1 및 db1');
    expect(about).toMatch(/^주소 \S+, 메모리 \d+(\.\d)? [KMGT]iB$/);
  });

  it('refuses in Korean, with hints that say how to go on', async () => {
    const unknown = errorInKorean(expectError(await host('status hyper9')));
    expect(unknown.message).toBe('엔진에 "hyper9" 호스트가 없습니다.');
    expect(unknown.hint).toBe('엔진의 호스트: hyper1 및 hyper2.');

    const up = errorInKorean(expectError(await host('activate hyper1')));
    expect(up).toEqual({ message: 'hyper1 호스트는 이미 up 상태입니다.', hint: '할 일이 없습니다.' });

    const clash = errorInKorean(expectError(await host('add hyper1 somewhere.abc.local')));
    expect(clash.message).toMatch(/^엔진에 이미 hyper1 \(\S+\) 호스트가 있습니다\.$/);
    expect(clash.hint).toBe('다른 이름을 쓰거나, 먼저 /host remove 명령으로 제거하십시오.');

    const machine = errorInKorean(expectError(await host('trust nas9')));
    expect(machine.message).toBe('labops가 아는 머신 중에 "nas9" 머신은 없습니다.');
    expect(machine.hint).toMatch(/^머신: hyper1, hyper2 및 \S+ \(lab\.yml의 hosts와 storage\.server\)\.$/);
  });

  it('runs maintenance, removal and a re-add with Korean step titles and end states', async () => {
    const maintenance = await approveAndRun(core, await host('maintenance hyper2'));
    const [deactivate] = maintenance.steps;
    expectAllInCatalog([deactivate?.titleText, deactivate?.endStateText]);
    expect(ko(deactivate!.titleText)).toBe('hyper2 유지보수 모드 전환');
    expect(ko(deactivate!.endStateText!)).toBe('hyper2 호스트는 VM 없이 유지보수 모드입니다');

    const again = errorInKorean(expectError(await host('maintenance hyper2')));
    expect(again).toEqual({
      message: 'hyper2 호스트는 이미 유지보수 모드입니다.',
      hint: '/host activate hyper2 명령으로 다시 활성화할 수 있습니다.',
    });

    const removing = await host('remove hyper2');
    const removal = await approveAndRun(core, removing);
    expectAllInCatalog([...planTexts(rawCard(removing).plan), removal.steps[0]?.endStateText]);
    expect(ko(rawCard(removing).plan.summary)).toBe('hyper2 제거');
    expect(ko(removal.steps[0]!.endStateText!)).toBe('hyper2 호스트가 엔진에서 제거되었습니다');

    const address = core.lab.sim.machines.get('hyper2')!.address;
    const add = await host(`add hyper2 ${address}`);
    const adding = await approveAndRun(core, add);
    expectAllInCatalog(planTexts(rawCard(add).plan));
    const plan = localizePlan(rawCard(add).plan, 'ko');
    expect(plan.summary).toBe(`Default 클러스터에 hyper2 (${address}) 추가`);
    expect(plan.warnings).toEqual([
      `${address}의 root authorized_keys에 엔진 키가 있어야 합니다(--install-key 또는 /host prepare). 없으면 설치가 실패합니다.`,
    ]);
    expectAllInCatalog([adding.steps[0]?.titleText, adding.steps[0]?.endStateText]);
    expect(ko(adding.steps[0]!.titleText)).toBe('hyper2 추가 후 up 상태까지 대기');
    expect(ko(adding.steps[0]!.endStateText!)).toBe('hyper2 호스트는 up 상태입니다');
  });

  it('explains a maintenance the engine refused in Korean, quoting the engine as it wrote', async () => {
    core.lab.sim.knobs.pinVm('web1');
    const card = rawCard(await host('maintenance hyper1'));
    for (const by of ['alice', 'bob']) await core.labops.click(card.approval.id, shellCaller(by), 'approve');
    await core.labops.executor.whenFinished(card.job.id);
    const step = (await core.store.listSteps(card.job.id)).find((s) => s.kind === 'host.deactivate');
    expect(step?.status).toBe('failed');
    const detail = ko(step!.detailText!);
    expect(detail).toMatch(/^엔진이 hyper1 호스트를 유지보수 모드로 전환하지 못했습니다\. 엔진의 보고: "/);
    expect(detail).toContain('"No available host was found to migrate VM web1 to."');
  });

  it('asks to trust a host key in Korean, and pins it', async () => {
    const trust = await host('trust hyper1');
    const { card, steps } = await approveAndRun(core, trust);
    expectAllInCatalog([...planTexts(rawCard(trust).plan), steps[0]?.endStateText]);
    const plan = localizePlan(rawCard(trust).plan, 'ko');
    const fingerprint = card.plan.impact[0]?.replace('presented: ', '') ?? '';
    expect(plan.summary).toBe('hyper1 SSH 호스트 키 신뢰');
    expect(plan.impact).toEqual([
      `제시된 키: ${fingerprint}`,
      '현재 고정된 키: 없음',
      'hyper1에서 비교: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub',
    ]);
    expect(ko(steps[0]!.endStateText!)).toBe(`hyper1에 고정된 호스트 키: ${fingerprint}`);
    const trusted = errorInKorean(expectError(await host('trust hyper1')));
    expect(trusted.message).toBe(`hyper1의 호스트 키(${fingerprint})는 이미 신뢰된 키입니다.`);
  });

  it('explains /host and its arguments in Korean: help, usage and a name that is not a host name', async () => {
    const help = rawView(await host('maintenance help'));
    expectAllInCatalog(viewTexts(help));
    const usage = localizeView(help, 'ko');
    const shown = JSON.stringify(usage);
    expect(shown).toContain('VM을 마이그레이션하고 호스트를 유지보수 모드로 전환');
    expect(shown).toContain('유지보수 모드로 전환할 호스트');
    expect(shown).toContain('사유 (엔진과 감사 기록에 표시)');

    const error = expectError(await host('status hyper_1/x'));
    expect(error.code).toBe('USAGE');
    const problems = error.detailTexts.map(ko).join('\n');
    expect(problems).toContain('hyper1 같은 호스트 이름이어야 합니다');
    expect(error.details.join('\n')).toContain('must be a host name such as hyper1');

    const list = rawView(await core.labops.dispatch({ command: '/lab', text: 'help', caller: operator }));
    const lines = localizeView(list, 'ko').sections.flatMap((s) => [s.heading ?? '', ...s.lines]);
    expect(lines.some((l) => l.includes('하이퍼바이저: 상태, 유지보수 모드, 활성화'))).toBe(true);
    expect(
      lines.some((l) => l.includes('/host status [HOST]') && l.includes('호스트별 상태, VM, SPM 역할')),
    ).toBe(true);
  });

  it('says which VMs are left on a host in either language, counted as each counts', () => {
    const left = (names: string[]) =>
      msg('host.maintenance.stillRun', { vms: list(names), count: names.length, host: 'hyper1' });
    expect(renderText('en', left(['web1']))).toBe('web1 still runs on hyper1.');
    expect(renderText('en', left(['web1', 'db1']))).toBe('web1 and db1 still run on hyper1.');
    expect(ko(left(['web1', 'db1']))).toBe('hyper1에서 아직 실행 중인 VM이 2개 있습니다: web1 및 db1.');
    expectAllInCatalog([left(['web1', 'db1'])]);
  });

  it('says in Korean what --insecure does to a host and why it is destructive', async () => {
    const card = rawCard(await host('prepare hyper1 --insecure'));
    const plan = localizePlan(card.plan, 'ko');
    expect(plan.summary).toBe('hyper1 준비 (보안을 낮추는 실습용 지름길)');
    expect(plan.riskReasons).toEqual(['--insecure는 firewalld를 중지하고 SELinux를 permissive로 바꿉니다.']);
    expect(plan.impact).toEqual([
      'hyper1: 실습 환경의 hosts 항목과 /root/.ssh/authorized_keys의 엔진 SSH 키. 각 단계는 먼저 확인하고 빠진 것만 바꿉니다.',
      '이 호스트의 firewalld 중지, SELinux permissive (가이드의 실습용 지름길).',
    ]);
    expectAllInCatalog([card.plan.summary, ...card.plan.riskReasons, ...card.plan.impact]);
  });
});
