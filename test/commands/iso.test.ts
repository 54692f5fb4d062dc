import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DispatchResult } from '../../src/labops.js';
import { type CoreHarness, shellCaller, startCore } from '../support/core.js';
import { expectCard as card, expectError as error } from '../support/dispatch.js';
import { type HttpSource, startHttpSource } from '../support/http-source.js';

const MiB = 1024 * 1024;

let source: HttpSource;
let core: CoreHarness;
beforeAll(async () => {
  source = await startHttpSource({
    '/alma9.iso': { sizeBytes: 6 * MiB + 123 },
    '/notes.txt': { sizeBytes: 40_000, iso: false },
    '/slow.iso': { sizeBytes: 8 * MiB, chunkDelayMs: 20 },
    '/broken.iso': { sizeBytes: 4 * MiB, failAfterBytes: 1 * MiB },
  });
});
afterAll(async () => {
  await source?.close();
});
beforeEach(async () => {
  core = await startCore();
});
afterEach(async () => {
  await core?.close();
});

const operator = shellCaller('operator');
const run = (text: string) => core.labops.dispatch({ command: '/iso', text, caller: operator });

/** Confirms a change card as its requester and waits for the job. */
async function confirm(result: DispatchResult) {
  const c = card(result);
  const click = await core.labops.click(c.approval.id, operator, 'approve');
  expect(click.outcome).toBe('approved');
  return core.labops.executor.whenFinished(c.job.id);
}

describe('/iso upload into a data domain', () => {
  it('plans from the source, streams it through an image transfer with progress, and verifies', async () => {
    const planned = card(await run(`upload ${source.url('/alma9.iso')}`));
    expect(planned.approval.risk).toBe('change');
    expect(planned.plan.summary).toBe('Upload alma9.iso (6.0 MiB) into nfs-data');
    const progress: number[] = [];
    core.labops.bus.subscribe((e) => {
      if (e.type === 'step:progress') progress.push(e.fraction);
    });
    const job = await confirm({ kind: 'card', card: planned });
    expect(job?.status, job?.error).toBe('succeeded');
    expect(progress.at(-1)).toBe(1);
    const [step] = core.store.listSteps(planned.job.id);
    expect(step?.endState).toBe('alma9.iso is in nfs-data: status ok, 6.0 MiB');

    const list = await run('list');
    expect(list.kind === 'view' ? JSON.stringify(list.view) : '').toContain('alma9.iso  nfs-data  6.0 MiB');
    // The name exists now: a second upload is refused before any approval.
    expect(error(await run(`upload ${source.url('/alma9.iso')}`)).message).toContain('already exists');
  });

  it('refuses what is not an ISO, a URL that is not http(s), and a missing file', async () => {
    expect(error(await run(`upload ${source.url('/notes.txt')}`)).message).toContain('not an ISO 9660 image');
    expect(error(await run('upload ftp://mirror.example/x.iso')).message).toContain('Only http and https');
    expect(error(await run(`upload ${source.url('/nope.iso')}`)).message).toContain('answered 404');
    expect(error(await run(`upload ${source.url('/alma9.iso')} --domain nowhere`)).code).toBe('NOT_FOUND');
  });

  it('cancels cleanly: the transfer is cancelled and no disk is left', async () => {
    const planned = card(await run(`upload ${source.url('/slow.iso')} --name slow.iso`));
    const sending = new Promise<void>((resolve) => {
      const off = core.labops.bus.subscribe((e) => {
        if (e.type === 'step:progress' && e.fraction > 0.05) {
          off();
          resolve();
        }
      });
    });
    await core.labops.click(planned.approval.id, operator, 'approve');
    await sending;
    core.labops.jobs.cancel(planned.job.id, 'shell:operator');
    const job = await core.labops.executor.whenFinished(planned.job.id);
    expect(job?.status).toBe('cancelled');
    const disks = await core.lab.client.listIsoDisks();
    expect(disks.map((d) => d.name)).not.toContain('slow.iso');
    const cancels = core.lab.sim.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/cancel'));
    expect(cancels).toHaveLength(1);
  });

  it('fails with the source failure, cleans up, and says which step', async () => {
    const job = await confirm(await run(`upload ${source.url('/broken.iso')}`));
    expect(job?.status).toBe('failed');
    expect(job?.error).toContain('Step 1 (Upload broken.iso into nfs-data) failed');
    expect((await core.lab.client.listIsoDisks()).map((d) => d.name)).not.toContain('broken.iso');
  });
});

describe('/iso upload into the 4.3 ISO domain', () => {
  it('has the storage server download it as the uploader did, and the engine lists it', async () => {
    const planned = card(
      await run(`upload ${source.url('/alma9.iso')} --domain nfs-iso --name CentOS-7.iso`),
    );
    expect(planned.plan.steps.map((s) => s.kind)).toEqual(['runbook.apply', 'iso.refresh-files']);
    expect(planned.plan.steps[0]?.shows?.join(' ')).toContain('.CentOS-7.iso');
    const job = await confirm({ kind: 'card', card: planned });
    expect(job?.status, job?.error).toBe('succeeded');
    expect(core.store.listSteps(planned.job.id).at(-1)?.endState).toBe('CentOS-7.iso is listed in nfs-iso');
    const iso = await core.lab.client.findStorageDomain('nfs-iso');
    const file = [...core.lab.sim.machines.get('storage')!.files].find(([path]) =>
      path.endsWith(`/export/iso/${iso.id}/images/11111111-1111-1111-1111-111111111111/CentOS-7.iso`),
    )?.[1];
    expect(file).toMatchObject({ kind: 'file', uid: 36, gid: 36, mode: 0o640 });
    const list = await run('list');
    expect(list.kind === 'view' ? JSON.stringify(list.view) : '').toContain('CentOS-7.iso  nfs-iso');
  });
});

describe('/iso attach', () => {
  it('boots a stopped VM once from an uploaded ISO', async () => {
    expect((await confirm(await run(`upload ${source.url('/alma9.iso')}`)))?.status).toBe('succeeded');
    expect(error(await run('attach app1 alma9.iso --run-once')).message).toContain('must be down');
    const app1 = await core.lab.client.findVm('app1');
    await core.lab.client.stopVm(app1.id);
    await core.lab.client.waitForVmStatus(app1.id, ['down']);
    const job = await confirm(await run('attach app1 alma9.iso --run-once'));
    expect(job?.status, job?.error).toBe('succeeded');
    expect(core.store.listSteps(job!.id)[0]?.endState).toBe('app1 is up, booted from alma9.iso');
  });

  it('puts an ISO in the CD drive once: a second attach reports ok', async () => {
    expect((await confirm(await run(`upload ${source.url('/alma9.iso')}`)))?.status).toBe('succeeded');
    const first = await confirm(await run('attach web1 alma9.iso'));
    expect(core.store.listSteps(first!.id)[0]).toMatchObject({
      status: 'changed',
      endState: "web1's CD drive holds alma9.iso",
    });
    const second = await confirm(await run('attach web1 alma9.iso'));
    expect(core.store.listSteps(second!.id)[0]?.status).toBe('ok');
  });

  it('names what is missing', async () => {
    expect(error(await run('attach nosuchvm alma9.iso')).message).toContain('There is no VM "nosuchvm"');
    expect(error(await run('attach web1 nosuch.iso')).message).toContain('There is no ISO "nosuch.iso"');
  });
});
