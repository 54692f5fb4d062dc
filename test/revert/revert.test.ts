import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEnglish } from '../../src/i18n/render.js';
import { EventBus } from '../../src/jobs/events.js';
import { Labs } from '../../src/labs.js';
import { createSilentLogger } from '../../src/log.js';
import { findInverse, REVERT_WINDOW_MS, requestRevert } from '../../src/revert.js';
import { plainStyle, renderEvent } from '../../src/shell/render.js';
import { runShell } from '../../src/shell/shell.js';
import { ACTION, renderCard } from '../../src/slack/render-card.js';
import { RevertOffers } from '../../src/slack/revert-offers.js';
import { approveAndRun, type CoreHarness, SIM_POLICY, shellCaller, startCore } from '../support/core.js';
import { expectCard, expectError } from '../support/dispatch.js';

/** The directory the engine keeps an ISO domain's files in (ovirt-api.md §5.1). */
const ISO_DIR = '11111111-1111-1111-1111-111111111111';

let core: CoreHarness;
let labs: Labs;
const operator = shellCaller('operator');

beforeAll(async () => {
  core = await startCore({ policy: SIM_POLICY });
  labs = new Labs({
    labs: [{ name: core.labops.lab.name, labops: core.labops, engine: core.composed.engine }],
    instructors: [],
    bindings: new Map(),
    store: core.store,
    bus: core.labops.bus,
    clock: () => core.clock.now,
    logger: createSilentLogger(),
  });
});

afterAll(async () => {
  await core?.close();
});

const revert = (jobId: string, caller = operator) =>
  requestRevert(labs, { jobId, caller, now: core.clock.now });

describe('Revert', () => {
  it('after a maintenance plans the activation, and its card says the VMs stay where they went', async () => {
    const maintenance = await approveAndRun(
      core,
      await core.labops.dispatch({ command: '/host', text: 'maintenance hyper1', caller: operator }),
    );
    expect(maintenance.job.status).toBe('succeeded');
    // The succeeded card offers the button; the shell names the line that undoes it.
    const offered = renderCard({
      locale: 'en',
      job: maintenance.job,
      approval: await core.store.getApprovalForJob(maintenance.job.id),
      now: core.clock.now,
      simulated: true,
      revert: { command: '/host activate hyper1', until: maintenance.job.finishedAt! + REVERT_WINDOW_MS },
    });
    expect(JSON.stringify(offered.blocks)).toContain(`"action_id":"${ACTION.revert}"`);
    const line = renderEvent({ type: 'job:finished', job: maintenance.job, steps: [] }, plainStyle);
    expect(line).toContain(`To undo it: revert ${maintenance.job.id} (until `);

    const card = expectCard(await revert(maintenance.job.id, shellCaller('bob')));
    expect(card.job.command).toBe('host activate');
    expect(card.job.text).toBe('activate hyper1');
    expect(card.job.args).toEqual({ revertOf: maintenance.job.id });
    // Approved under the inverse command's policy: a change the clicker confirms.
    expect(card.approval.risk).toBe('change');
    expect(card.approval.eligible).toEqual(['shell:bob']);
    expect(card.plan.impact[0]).toBe(`This reverts ${maintenance.job.id} (/host maintenance hyper1).`);
    expect(card.plan.warnings).toEqual([
      'Activating hyper1 does not bring back the VMs that migrated away when it went into maintenance (db1 and web1): they stay where they run now.',
    ]);
    const slack = JSON.stringify(
      renderCard({
        locale: 'en',
        job: card.job,
        approval: card.approval,
        now: core.clock.now,
        simulated: true,
      }).blocks,
    );
    expect(slack).toContain('/host activate hyper1');
    expect(slack).toContain('does not bring back the VMs');

    // One revert at a time: a second click is refused, naming the first.
    const again = expectError(await revert(maintenance.job.id));
    expect(again.message).toBe(
      `${maintenance.job.id} is already being reverted by ${card.job.id} (awaiting_approval).`,
    );
    const done = await approveAndRun(core, card.result, shellCaller('bob'));
    expect(done.job.status).toBe('succeeded');
    expect((await core.lab.client.findHost('hyper1')).status).toBe('up');
  });

  it('after a detach plans the attach of the same domain, which attaches it again', async () => {
    const detach = await approveAndRun(
      core,
      await core.labops.dispatch({ command: '/storage', text: 'detach nfs-iso', caller: operator }),
    );
    const iso = await core.lab.client.findStorageDomain('nfs-iso');
    expect(iso.dataCenterIds).toEqual([]);
    const card = expectCard(await revert(detach.job.id));
    expect(`/storage ${card.job.text}`).toBe(
      `/storage attach nfs-iso --type iso --path ${core.labops.lab.storage.address}:/export/iso`,
    );
    expect(card.plan.summary).toContain('Attach nfs-iso (iso, on');
    await approveAndRun(core, card.result);
    const [dc] = await core.lab.client.listDataCenters();
    expect(
      (await core.lab.client.listAttachedStorageDomains(dc!.id)).find((d) => d.name === 'nfs-iso')?.status,
    ).toBe('active');
  });

  it('after a CD change puts back the ISO the CD held before', async () => {
    const { client, sim } = core.lab;
    const isoDomain = await client.findStorageDomain('nfs-iso');
    for (const name of ['tools.iso', 'rescue.iso']) {
      sim.machines.get('storage')!.files.set(`/export/iso/${isoDomain.id}/images/${ISO_DIR}/${name}`, {
        kind: 'file',
        uid: 36,
        gid: 36,
        mode: 0o640,
        size: 1,
      });
    }
    const cd = (text: string) => core.labops.dispatch({ command: '/iso', text, caller: operator });
    const first = await approveAndRun(core, await cd('attach web1 tools.iso'));
    // The CD was empty: nothing to put back, no Revert.
    expect(findInverse(first.job)).toBeUndefined();
    expect(expectError(await revert(first.job.id)).message).toContain('has no step labops knows how to undo');
    const second = await approveAndRun(core, await cd('attach web1 rescue.iso'));
    const card = expectCard(await revert(second.job.id));
    expect(`/iso ${card.job.text}`).toBe('/iso attach web1 tools.iso');
    await approveAndRun(core, card.result);
    const web1 = await client.findVm('web1');
    expect(await client.getCdromFile(web1.id, { current: true })).toBe('tools.iso');
  });

  it('is a line of the shell: revert JOB plans the inverse, approve runs it', async () => {
    const maintenance = await approveAndRun(
      core,
      await core.labops.dispatch({ command: '/host', text: 'maintenance hyper2', caller: operator }),
    );
    let printed = '';
    const output = new Writable({
      write(chunk, _encoding, done) {
        printed += String(chunk);
        done();
      },
    });
    const status = await runShell({
      labs,
      input: Readable.from([`revert ${maintenance.job.id}\n`, 'approve\n', 'revert\n']),
      output,
      interactive: false,
      clock: () => core.clock.now,
    });
    expect(printed).toContain('/host activate hyper2');
    expect(printed).toContain(`This reverts ${maintenance.job.id} (/host maintenance hyper2).`);
    expect(printed).toMatch(/✔ job-[0-9a-f]{4} succeeded/);
    expect(printed).toContain('revert takes one job id: revert job-1a2b.');
    // The bare `revert` was not understood: the script fails.
    expect(status).toBe(1);
    expect((await core.lab.client.findHost('hyper2')).status).toBe('up');
  });

  it('is refused after 24 hours, and for a job that did not succeed, saying what to run instead', async () => {
    const maintenance = await approveAndRun(
      core,
      await core.labops.dispatch({ command: '/host', text: 'maintenance hyper2', caller: operator }),
    );
    // When its 24 hours are over, the card is drawn again (without the button); once.
    const refreshed: string[] = [];
    const offers = new RevertOffers({
      store: core.store,
      bus: core.labops.bus,
      clock: () => core.clock.now,
      logger: createSilentLogger(),
      leading: () => true,
      refresh: async (jobId) => {
        refreshed.push(jobId);
      },
    });
    await offers.start();
    expect(await offers.tick(maintenance.job.finishedAt! + REVERT_WINDOW_MS - 1)).toEqual([]);
    const due = await offers.tick(maintenance.job.finishedAt! + REVERT_WINDOW_MS);
    expect(due).toContain(maintenance.job.id);
    const activations = await core.store.listJobs({ statuses: ['succeeded'] });
    for (const job of activations.filter((j) => j.command === 'host activate'))
      expect(due).not.toContain(job.id);
    expect(refreshed).toEqual(due);
    expect(await offers.tick(maintenance.job.finishedAt! + 2 * REVERT_WINDOW_MS)).toEqual([]);
    offers.stop();

    const started = core.clock.now;
    try {
      core.clock.now = maintenance.job.finishedAt! + REVERT_WINDOW_MS;
      const late = expectError(await revert(maintenance.job.id));
      expect(late.code).toBe('CONFLICT');
      expect(late.message).toContain('Revert is offered for 24 hours after a job ends');
      expect(late.hintText && renderEnglish(late.hintText)).toBe(
        'Run /host activate hyper2 instead: it is planned from the lab as it is now and approved like any other command.',
      );
      core.clock.now = maintenance.job.finishedAt! + REVERT_WINDOW_MS - 1;
      // Two clicks at once: one card; the other is told a revert is being asked.
      const [one, two] = await Promise.all([
        revert(maintenance.job.id),
        revert(maintenance.job.id, shellCaller('bob')),
      ]);
      const cards = [one, two].filter((r) => r.kind === 'card');
      expect(cards.map((r) => expectCard(r).job.text)).toEqual(['activate hyper2']);
      const other = expectError(one.kind === 'card' ? two : one);
      expect(other.message).toMatch(/is (already being reverted by job-|asking to revert)/);
    } finally {
      core.clock.now = started;
    }

    // A card denied is no job that succeeded.
    const denied = expectCard(
      await core.labops.dispatch({ command: '/storage', text: 'detach nfs-iso', caller: operator }),
    );
    await core.labops.click(denied.approval.id, shellCaller('alice'), 'deny');
    const refused = expectError(await revert(denied.job.id));
    expect(refused.message).toBe(
      `Only a job that succeeded can be reverted: ${denied.job.id} (/storage detach nfs-iso) is denied.`,
    );
    expect(refused.hintText && renderEnglish(refused.hintText)).toContain(
      '/storage attach nfs-iso --type iso',
    );
    expect(expectError(await revert('job-none')).code).toBe('NOT_FOUND');
  });
});

describe('the Revert offers of two replicas', () => {
  it('are read from the store at each of the leader’s ticks: a job that ended on the other replica loses its button too', async () => {
    const refreshed: string[] = [];
    // The leading replica, started before the job ends: the job ends on the other replica's bus
    // (core.labops.bus), never on its own.
    const leader = new RevertOffers({
      store: core.store,
      bus: new EventBus(),
      clock: () => core.clock.now,
      logger: createSilentLogger(),
      leading: () => true,
      refresh: async (jobId) => {
        refreshed.push(jobId);
      },
    });
    await leader.start();
    const { client, sim } = core.lab;
    const isoDomain = await client.findStorageDomain('nfs-iso');
    for (const name of ['tools.iso', 'rescue.iso']) {
      sim.machines.get('storage')!.files.set(`/export/iso/${isoDomain.id}/images/${ISO_DIR}/${name}`, {
        kind: 'file',
        uid: 36,
        gid: 36,
        mode: 0o640,
        size: 1,
      });
    }
    const web1 = await client.findVm('web1');
    const cd = (iso: string) =>
      core.labops.dispatch({ command: '/iso', text: `attach web1 ${iso}`, caller: operator });
    if ((await client.getCdromFile(web1.id, { current: true })) !== 'tools.iso') {
      await approveAndRun(core, await cd('tools.iso'));
    }
    // A CD change puts back the ISO the CD held: Revert is offered.
    const { job } = await approveAndRun(core, await cd('rescue.iso'));
    expect(findInverse(job)).toBeDefined();
    const ends = job.finishedAt! + REVERT_WINDOW_MS;
    expect(await leader.tick(ends - 1)).not.toContain(job.id);
    expect(await leader.tick(ends)).toContain(job.id);
    expect(refreshed).toContain(job.id);
    expect(await leader.tick(ends + 60_000)).not.toContain(job.id);
    leader.stop();
  });
});
