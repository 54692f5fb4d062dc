import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderText } from '../../src/i18n/render.js';
import { isMessage } from '../../src/i18n/text.js';
import { localizePlan } from '../../src/plan.js';
import { type CoreHarness, EXPORTS_WITH_SPARE, shellCaller, startCore } from '../support/core.js';
import { expectCard as card, viewText } from '../support/dispatch.js';
import { addActiveSpareDomain } from '../support/engine.js';
import { findLeaks } from '../support/i18n-leaks.js';

let core: CoreHarness;
beforeEach(async () => {
  core = await startCore({
    sim: {
      seed: {
        exports: EXPORTS_WITH_SPARE,
        vms: [
          { name: 'web1', host: 'hyper1' },
          { name: 'db1', host: 'hyper1' },
          { name: 'app1', host: 'hyper2' },
          { name: 'scratch1', host: 'hyper2', diskGiB: 8 },
        ],
      },
    },
    // The baseline lists three of the four VMs: scratch1 is extra.
    lab: {
      baseline: {
        storageDomains: [
          { name: 'nfs-data', type: 'data', exportPath: '/export/data' },
          { name: 'nfs-iso', type: 'iso', exportPath: '/export/iso' },
        ],
        hosts: ['hyper1', 'hyper2'],
        vms: ['web1', 'db1', 'app1'],
      },
    },
  });
});
afterEach(async () => {
  await core?.close();
});

/** Moves the lab away from its baseline: an extra domain, a host in maintenance, an inactive ISO domain. */
async function disturbTheLab() {
  const { client } = core.lab;
  await addActiveSpareDomain(client);
  const [dc] = await client.listDataCenters();
  const iso = await client.findStorageDomain('nfs-iso');
  await client.deactivateStorageDomain(dc!.id, iso.id);
  await client.waitForStorageDomainStatus(dc!.id, iso.id, ['maintenance']);
  const hyper2 = await client.findHost('hyper2');
  await client.deactivateHost(hyper2.id);
  await client.waitForHostStatus(hyper2.id, ['maintenance']);
}

async function reset(text = 'reset') {
  const planned = card(
    await core.labops.dispatch({ command: '/lab', text, caller: shellCaller('operator') }),
  );
  expect(planned.approval.risk).toBe('critical');
  await core.labops.click(planned.approval.id, shellCaller('alice'), 'approve');
  const second = await core.labops.click(planned.approval.id, shellCaller('bob'), 'approve');
  expect(second.outcome, second.message).toBe('approved');
  const job = await core.labops.executor.whenFinished(planned.job.id);
  return { planned, job: job!, steps: await core.store.listSteps(planned.job.id) };
}

describe('/lab reset', () => {
  it('shows the whole plan with --dry-run and asks nothing', async () => {
    await disturbTheLab();
    const result = await core.labops.dispatch({
      command: '/lab',
      text: 'reset --dry-run',
      caller: shellCaller('operator'),
    });
    expect(result.kind).toBe('view');
    const text = viewText(result);
    expect(text).toContain('hyper2: maintenance → up');
    expect(text).toContain('nfs-iso: maintenance → active');
    expect(text).toContain('scratch1: removed with its disks');
    expect(text).toContain('spare: removed with its files');
    expect(await core.store.listJobs()).toEqual([]);
    expect(await core.store.listLocks()).toEqual([]);
  });

  it('ends at the baseline; a failure midway stops it with an accurate report; a second reset finishes with done steps ok', async () => {
    await disturbTheLab();
    core.lab.sim.knobs.injectFault({
      kind: 'server-error',
      method: 'DELETE',
      path: /^\/storagedomains\//,
      count: 1,
    });
    const first = await reset();
    expect(first.job.status).toBe('failed');
    const titles = first.planned.job.steps.map((s) => renderText('en', s.title));
    expect(titles.slice(0, 7)).toEqual([
      'Check before any change: storage answers over SSH, the exports are mounted and exported',
      'Make sure hyper1 is up',
      'Make sure hyper2 is up',
      expect.stringMatching(/^Remove scratch1 and its disks /),
      'Put spare into maintenance',
      'Detach spare',
      'Remove spare (format)',
    ]);
    // Ownership of every export is checked before the baseline domains come back, data first.
    expect(
      titles.slice(7, -2).every((t) => t.startsWith('/export/') || t.startsWith('Everything in /export/')),
    ).toBe(true);
    expect(titles.slice(-2)).toEqual([
      'Make sure nfs-data is attached and active',
      'Make sure nfs-iso is attached and active',
    ]);
    const statuses = first.steps.map((s) => s.status);
    expect(statuses.slice(0, 7)).toEqual(['ok', 'ok', 'changed', 'changed', 'changed', 'changed', 'failed']);
    expect(statuses.slice(7).every((s) => s === 'skipped')).toBe(true);
    expect(first.job.error).toContain('Step 7 (Remove spare (format)) failed');
    expect(first.job.error).toContain('Already changed: "Make sure hyper2 is up"');
    expect(await core.store.listLocks()).toEqual([]);

    const second = await reset();
    expect(second.job.status, second.job.error).toBe('succeeded');
    const done = second.steps.filter(
      (s) => s.title.startsWith('Make sure hyper') || s.title.includes('/export/'),
    );
    expect(done.length).toBeGreaterThan(4);
    expect(done.every((s) => s.status === 'ok')).toBe(true);
    expect(second.steps.find((s) => s.title === 'Remove spare (format)')?.status).toBe('changed');
    expect(second.steps.find((s) => s.title === 'Make sure nfs-iso is attached and active')?.status).toBe(
      'changed',
    );

    const { client } = core.lab;
    expect((await client.listHosts()).every((h) => h.status === 'up')).toBe(true);
    expect((await client.listVms()).map((v) => v.name).sort()).toEqual(['app1', 'db1', 'web1']);
    const [dc] = await client.listDataCenters();
    const domains = await client.listAttachedStorageDomains(dc!.id);
    expect(domains.map((d) => [d.name, d.status]).sort()).toEqual([
      ['nfs-data', 'active'],
      ['nfs-iso', 'active'],
    ]);
    expect((await client.listStorageDomains()).map((d) => d.name).sort()).toEqual(['nfs-data', 'nfs-iso']);
  });

  it('brings back a baseline domain removed without format: its export is cleaned first (FAQ 1)', async () => {
    const { client } = core.lab;
    const [dc] = await client.listDataCenters();
    const iso = await client.findStorageDomain('nfs-iso');
    await client.deactivateStorageDomain(dc!.id, iso.id);
    await client.waitForStorageDomainStatus(dc!.id, iso.id, ['maintenance']);
    await client.detachStorageDomain(dc!.id, iso.id);
    await client.waitForStorageDomainStatus(dc!.id, iso.id, ['unattached']);
    await client.removeStorageDomain(iso.id, { hostName: 'hyper1' });
    const { planned, job, steps } = await reset();
    expect(planned.plan.impact.join('\n')).toMatch(
      /\/export\/iso: \d+ leftover entr(y|ies) removed before nfs-iso is added/,
    );
    expect(job.status, job.error).toBe('succeeded');
    expect(steps.find((s) => s.title.startsWith('Remove ') && s.title.includes('/export/iso/'))?.status).toBe(
      'changed',
    );
    expect((await client.listAttachedStorageDomains(dc!.id)).find((d) => d.name === 'nfs-iso')?.status).toBe(
      'active',
    );
  });

  it('holds the lab lock: nothing else can be asked while the card waits', async () => {
    const planned = card(
      await core.labops.dispatch({ command: '/lab', text: 'reset', caller: shellCaller('operator') }),
    );
    const refused = await core.labops.dispatch({
      command: '/host',
      text: 'maintenance hyper1',
      caller: shellCaller('dave'),
    });
    expect(refused.kind === 'error' && refused.error.message).toContain(`locked by ${planned.job.id}`);
  });

  it('shows its card in Korean: summary, risk, impact and its own steps, with the engine’s words as they are', async () => {
    await disturbTheLab();
    const result = await core.labops.dispatch({
      command: '/lab',
      text: 'reset',
      caller: shellCaller('operator'),
    });
    if (result.kind !== 'card') throw new Error(`expected a card, got ${result.kind}`);
    const { plan } = result.card;
    const ko = localizePlan(plan, 'ko');
    expect(ko.summary).toBe('실습 환경을 기준 상태로 초기화');
    expect(ko.riskReasons).toEqual(['초기화는 VM과 스토리지 도메인을 제거합니다.']);
    expect(ko.impact).toEqual([
      'hyper2: maintenance → up',
      'scratch1: 제거(디스크 scratch1_Disk1 포함)',
      'spare: 파일과 함께 제거(data)',
      'nfs-iso: maintenance → active',
    ]);
    const titles = ko.steps.map((s) => s.title);
    expect(titles.slice(0, 7)).toEqual([
      '변경 전 점검: storage SSH 응답, export 디렉터리 마운트·export 여부',
      'hyper1 up 상태 확인',
      'hyper2 up 상태 확인',
      'scratch1 및 디스크 scratch1_Disk1 제거',
      'spare 도메인을 유지보수 모드로 전환',
      'spare 분리',
      'spare 제거(포맷)',
    ]);
    expect(titles.slice(-2)).toEqual([
      'nfs-data 연결 및 active 상태 확인',
      'nfs-iso 연결 및 active 상태 확인',
    ]);
    // What the pre-flight reads, as approvers see it among the calls: the checks as they are, in
    // each language's words around them.
    const shows = (locale: 'en' | 'ko') => (plan.steps[0]?.shows ?? []).map((t) => renderText(locale, t));
    expect(shows('en')).toEqual(
      expect.arrayContaining([
        'storage: mounted /export/data (read-only)',
        'storage: export-active /export/iso (read-only)',
      ]),
    );
    expect(shows('ko')).toEqual(
      expect.arrayContaining([
        'storage: mounted /export/data (읽기만 함)',
        'storage: export-active /export/iso (읽기만 함)',
      ]),
    );
    // Every step's calls: the calls verbatim, the words around them in Korean.
    expect(plan.steps.flatMap((s) => s.shows ?? []).flatMap(findLeaks)).toEqual([]);
    // The reset's own texts are all in the catalog (the runbook steps' titles are the storage area's).
    const own = [
      plan.summary,
      ...plan.riskReasons,
      ...plan.impact,
      ...plan.steps.map((s) => s.title).filter((t) => isMessage(t) && t.key.startsWith('lab.')),
    ];
    expect(own.length).toBeGreaterThan(12);
    expect(own.flatMap(findLeaks)).toEqual([]);

    // Its steps' end states too, once it ran.
    await core.labops.click(result.card.approval.id, shellCaller('alice'), 'approve');
    await core.labops.click(result.card.approval.id, shellCaller('bob'), 'approve');
    const job = await core.labops.executor.whenFinished(result.card.job.id);
    expect(job?.status, job?.error).toBe('succeeded');
    const steps = await core.store.listSteps(result.card.job.id);
    const ends = steps.map((s) => (s.endStateText === undefined ? '' : renderText('ko', s.endStateText)));
    expect(ends).toContain('scratch1 VM 제거됨');
    expect(ends).toContain('nfs-iso 도메인 active');
    expect(ends.some((e) => /^nfs-data 도메인 active(\(master\))?$/.test(e))).toBe(true);
  });
});
