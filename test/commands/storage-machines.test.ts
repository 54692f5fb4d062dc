import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderText } from '../../src/i18n/render.js';
import type { Text } from '../../src/i18n/text.js';
import type { DispatchResult } from '../../src/labops.js';
import { localizePlan, type Plan } from '../../src/plan.js';
import {
  approveAndRun,
  type CoreHarness,
  EXPORTS_WITH_SPARE,
  shellCaller,
  startCore,
} from '../support/core.js';
import { expectError } from '../support/dispatch.js';
import { findLeaks } from '../support/i18n-leaks.js';

let core: CoreHarness;
beforeEach(async () => {
  core = await startCore({
    sim: {
      seed: {
        exports: EXPORTS_WITH_SPARE,
      },
    },
  });
});
afterEach(async () => {
  await core?.close();
});

const operator = shellCaller('operator');
const storage = (text: string) => core.labops.dispatch({ command: '/storage', text, caller: operator });

/** Approves a card as its risk needs (the requester confirms a change; alice approves the rest) and waits. */
const approve = (result: DispatchResult) => approveAndRun(core, result);

describe('/storage attach with the pre-checks of the lab guide', () => {
  it('fails on a stale export offering clean; once clean is approved, attach succeeds (FAQ 1)', async () => {
    core.lab.sim.knobs.leaveStaleFiles('/export/spare');
    const refused = expectError(
      await storage('attach spare --type data --path ovirt.abc.local:/export/spare'),
    );
    expect(refused.message).toContain('1 check failed');
    expect(refused.details.join('\n')).toContain('/storage clean spare');
    expect(refused.actions.map((a) => ({ ...a, label: renderText('en', a.label) }))).toEqual([
      { label: 'Clean spare', command: '/storage', text: 'clean spare' },
    ]);

    const { card } = await approve(await storage('clean spare'));
    expect(card.approval.risk).toBe('destructive');
    expect(card.plan.impact.some((l) => l.includes('/export/spare/.'))).toBe(true);

    const { steps } = await approve(
      await storage('attach spare --type data --path ovirt.abc.local:/export/spare'),
    );
    expect(steps.at(-1)?.endState).toBe('spare is active');
  });

  it('offers a hosts entry or the address when the hypervisor cannot resolve the server (FAQ 2)', async () => {
    core.lab.sim.knobs.makeUnresolvable('hyper1', 'ovirt.abc.local');
    const refused = expectError(
      await storage('attach spare --type data --path ovirt.abc.local:/export/spare'),
    );
    expect(refused.details.join('\n')).toMatch(/hyper1 resolves ovirt\.abc\.local .*: no/);
    expect(refused.details.join('\n')).toContain('--path 192.168.122.10:/export/spare');
    expect(refused.actions.map((a) => a.text)).toEqual(['prepare hyper1']);
    await approve(await storage('attach spare --type data --path 192.168.122.10:/export/spare'));
  });

  it('refuses an export that is not one of the lab, and a name that exists', async () => {
    expect(expectError(await storage('attach x --type data --path ovirt.abc.local:/srv/else')).code).toBe(
      'NOT_FOUND',
    );
    expect(
      expectError(await storage('attach nfs-data --type data --path ovirt.abc.local:/export/spare')).message,
    ).toContain('already has a storage domain named nfs-data');
  });
});

describe('the storage server runbooks on the simulated machines', () => {
  it('gives an export back to vdsm and re-activates its domain (FAQ 3)', async () => {
    core.lab.sim.knobs.breakOwnership('/export/iso');
    const [dc] = await core.lab.client.listDataCenters();
    const iso = await core.lab.client.findStorageDomain('nfs-iso');
    await core.lab.client.waitForStorageDomainStatus(dc!.id, iso.id, ['inactive']);
    const { card, steps } = await approve(await storage('fix-permissions iso'));
    expect(card.plan.impact).toContain('nfs-iso: inactive → active');
    expect(steps.map((s) => s.status)).toEqual(['ok', 'changed', 'changed']);
    expect(steps.at(-1)?.endState).toBe('nfs-iso is active');
  });

  it('refuses to fix ownership of an export that is not mounted (FAQ 0)', async () => {
    core.lab.sim.knobs.unmountExport('/export/spare');
    const refused = expectError(await storage('fix-permissions spare'));
    expect(refused.message).toContain('not mounted');
  });

  it('prepares the storage server: only what is missing changes, and a second run is all ok', async () => {
    core.lab.sim.knobs.stopService('storage', 'nfs-server');
    const first = await approve(await storage('prepare'));
    expect(first.steps.filter((s) => s.status === 'changed').map((s) => s.title)).toEqual([
      'nfs-server enabled and running',
    ]);
    expect(first.card.plan.steps[0]?.shows?.[0]).toMatch(/^storage# /);
    const second = await approve(await storage('prepare'));
    expect(second.steps.every((s) => s.status === 'ok')).toBe(true);
  });

  it('refuses to clean an export the engine still has a domain on', async () => {
    const refused = expectError(await storage('clean data'));
    expect(refused.message).toContain('still lists a storage domain on /export/data');
  });
});

/** `text` as a Korean reader sees it, after checking that none of it is English outside the catalog. */
function korean(text: Text): string {
  expect(findLeaks(text), renderText('en', text)).toEqual([]);
  return renderText('ko', text);
}

/** The plan as stored with the card, before any reader's language. */
function rawPlan(result: DispatchResult): Plan {
  if (result.kind !== 'card') throw new Error(`expected a card, got ${result.kind}`);
  return result.card.plan;
}

describe('/storage attach and the storage server in Korean', () => {
  it('refuses a stale export naming the fix, its button and the guide’s FAQ 1 in the guide’s own words', async () => {
    core.lab.sim.knobs.leaveStaleFiles('/export/spare');
    const refused = expectError(
      await storage('attach spare --type data --path ovirt.abc.local:/export/spare'),
    );
    expect(korean(refused.text)).toBe(
      'ovirt.abc.local:/export/spare 경로에 새 도메인을 만들 수 없습니다: 검사 1개 실패.',
    );
    const details = refused.detailTexts.map(korean);
    expect(details[0]).toBe('/export/spare 디렉터리가 비어 있음 (실습 가이드 FAQ 1): 실패');
    expect(details.slice(-2)).toEqual([
      '  해결: /storage clean spare 명령으로 비웁니다 (이전 도메인의 파일).',
      '  실습 가이드: FAQ 1 (storage 추가 작업시, 이전에 삭제했던 storage 파일이 남아있어서 진행이 안될 경우)',
    ]);
    expect(korean(refused.hintText!)).toBe('아래 문제를 고친 뒤 같은 /storage attach를 다시 실행하십시오.');
    expect(refused.actions.map((a) => korean(a.label))).toEqual(['spare 비우기']);
    // The English reader gets the FAQ's title too.
    expect(refused.details.at(-1)).toBe(
      '  lab guide: FAQ 1 (adding storage fails: files left by a domain removed earlier)',
    );
  });

  it('offers the hosts entry or the address in Korean when the server name does not resolve (FAQ 2)', async () => {
    core.lab.sim.knobs.makeUnresolvable('hyper1', 'ovirt.abc.local');
    const refused = expectError(
      await storage('attach spare --type data --path ovirt.abc.local:/export/spare'),
    );
    const details = refused.detailTexts.map(korean);
    expect(details[0]).toBe('hyper1 호스트에서 ovirt.abc.local 이름이 해석됨 (FAQ 2): 실패');
    expect(details).toContain(
      '  해결: /host prepare hyper1 명령으로 실습 환경의 hosts 항목을 추가하거나, 주소를 쓰십시오: --path 192.168.122.10:/export/spare',
    );
    expect(details.at(-1)).toBe(
      '  실습 가이드: FAQ 2 (storage 추가 작업시, ovirt.abc.local 의 도메인을 인식하지 못하는 경우)',
    );
    expect(refused.actions.map((a) => korean(a.label))).toEqual(['hyper1 준비']);
  });

  it('shows the attach card in Korean, each pre-check it passed named', async () => {
    const plan = rawPlan(await storage('attach spare --type data --path ovirt.abc.local:/export/spare'));
    const ko = localizePlan(plan, 'ko');
    [plan.summary, ...plan.impact, ...plan.steps.map((s) => s.title)].forEach(korean);
    expect(ko.summary).toBe(
      'spare 도메인(data)을 ovirt.abc.local:/export/spare 경로에 추가하고 Default에 연결',
    );
    expect(ko.impact.slice(0, 3)).toEqual([
      'hyper1 호스트가 ovirt.abc.local:/export/spare 경로를 마운트하고, vdsm이 /export/spare에 도메인 구조를 만듭니다.',
      'spare 도메인을 Default에 연결하고 활성화합니다.',
      '검사 통과: /export/spare 디렉터리가 비어 있음 (실습 가이드 FAQ 1)',
    ]);
    expect(ko.steps.map((s) => s.title)).toEqual(['spare 도메인 추가 및 연결']);
  });

  it('refuses in Korean to fix ownership of an export that is not mounted, naming FAQ 0', async () => {
    core.lab.sim.knobs.unmountExport('/export/spare');
    const refused = expectError(await storage('fix-permissions spare'));
    expect(korean(refused.text)).toBe(
      '/export/spare: 마운트되어 있지 않습니다. 여기서 소유권을 고치면 export가 아니라 루트 파일 시스템이 바뀝니다.',
    );
    expect(korean(refused.hintText!)).toBe(
      '먼저 export 디렉터리를 마운트하십시오(/etc/fstab에 줄을 넣고 mount -a). 빠진 것은 /lab doctor에서 볼 수 있습니다. 실습 가이드: FAQ 0 (파일 시스템 추가시 용량이 부족한 경우)',
    );
  });

  // Each card holds machine:storage until decided: one card a test.
  it('shows the prepare card in Korean', async () => {
    const prepare = rawPlan(await storage('prepare'));
    [prepare.summary, ...prepare.impact].forEach(korean);
    const koPrepare = localizePlan(prepare, 'ko');
    expect(koPrepare.summary).toBe('스토리지 서버 storage 준비');
    expect(koPrepare.impact[0]).toBe(
      '/export/data, /export/iso 및 /export/spare: 소유권 36:36과 setgid 설정, 마운트와 여유 공간 확인, 실습 환경 네트워크로 export.',
    );
    expect(koPrepare.impact[1]).toContain('firewalld에서 nfs, rpc-bind 및 mountd를 허용합니다.');
  });

  it('shows the clean card in Korean (FAQ 1)', async () => {
    core.lab.sim.knobs.leaveStaleFiles('/export/spare');
    const clean = rawPlan(await storage('clean spare'));
    [clean.summary, ...clean.impact].forEach(korean);
    const koClean = localizePlan(clean, 'ko');
    expect(koClean.summary).toBe('storage의 /export/spare 비우기');
    expect(koClean.impact.every((l) => /^\/export\/spare\/\S+ 삭제$/.test(l))).toBe(true);
  });

  it('shows the fix-permissions card in Korean, the domain to activate again named (FAQ 3)', async () => {
    core.lab.sim.knobs.breakOwnership('/export/iso');
    const [dc] = await core.lab.client.listDataCenters();
    const iso = await core.lab.client.findStorageDomain('nfs-iso');
    await core.lab.client.waitForStorageDomainStatus(dc!.id, iso.id, ['inactive']);
    const fix = rawPlan(await storage('fix-permissions iso'));
    [fix.summary, ...fix.impact, fix.steps.at(-1)!.title].forEach(korean);
    const koFix = localizePlan(fix, 'ko');
    expect(koFix.summary).toBe('/export/iso 소유권 수정');
    expect(koFix.impact).toEqual([
      '/export/iso 및 그 안의 모든 것: 소유자 36:36 (vdsm:kvm), 디렉터리 setgid',
      'nfs-iso: inactive → active',
    ]);
    expect(koFix.steps.at(-1)?.title).toBe('nfs-iso 도메인 다시 활성화');
  });

  it('refuses in Korean an export that is not one of the lab, naming those there are', async () => {
    const refused = expectError(await storage('clean nowhere'));
    expect(korean(refused.text)).toBe('실습 환경에 "nowhere" export 디렉터리가 없습니다.');
    expect(korean(refused.hintText!)).toBe(
      'export 디렉터리: data (/export/data), iso (/export/iso) 및 spare (/export/spare).',
    );
  });
});
