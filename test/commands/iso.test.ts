import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chooseCdViews } from '../../commands/iso/attach.js';
import { isoSteps } from '../../commands/iso/index.js';
import { createHttpDownloads, type HttpDownloadsOptions } from '../../src/downloads.js';
import { parseDiskMark, renderDiskMark } from '../../src/engine/disk-mark.js';
import type { LabopsError } from '../../src/errors.js';
import { renderText } from '../../src/i18n/render.js';
import type { Text } from '../../src/i18n/text.js';
import type { StepContext } from '../../src/jobs/steps.js';
import { labInfoFromSimulator } from '../../src/lab-info.js';
import type { DispatchResult } from '../../src/labops.js';
import { REFUSED_MESSAGE } from '../../src/net/address-fence.js';
import { localizePlan } from '../../src/plan.js';
import { createSimDriver } from '../../src/sim/machine-driver.js';
import type { SimulatorOptions } from '../../src/sim/types.js';
import { localizeView } from '../../src/view.js';
import { approveAndRun, type CoreHarness, shellCaller, startCore } from '../support/core.js';
import { expectCard as card, expectError as error, viewText } from '../support/dispatch.js';
import { type HttpSource, LOOPBACK_SOURCES, startHttpSource } from '../support/http-source.js';
import { findLeaks } from '../support/i18n-leaks.js';

/** What an upload's report adds on a 4.3 engine, the simulator's default (ovirt-api.md §5.2). */
const NOTE_43 =
  ' The engine cannot change a floating disk’s description before 4.4: the disk keeps its "incomplete" mark, and this job’s record says it completed.';
const NOTE_43_KO =
  ' 4.4 이전 엔진은 floating 디스크의 설명을 바꿀 수 없습니다. 디스크에는 "incomplete" 표시가 남지만, 이 작업의 기록에는 완료로 남습니다.';

const MiB = 1024 * 1024;
const ISO_DIR = '11111111-1111-1111-1111-111111111111';

let source: HttpSource;
beforeAll(async () => {
  source = await startHttpSource({
    '/alma9.iso': { sizeBytes: 6 * MiB + 123 },
    '/notes.txt': { sizeBytes: 40_000, iso: false },
    '/slow.iso': { sizeBytes: 8 * MiB, chunkDelayMs: 20 },
    '/broken.iso': { sizeBytes: 4 * MiB, failAfterBytes: 1 * MiB },
    // Its Range answer says ISO of 6 MiB; the whole file is an HTML page (issue 10 §3).
    '/html.iso': { sizeBytes: 6 * MiB + 123, htmlBodyBytes: 4980 },
    '/html-same-size.iso': { sizeBytes: 200_000, htmlBodyBytes: 200_000 },
    '/moved.iso': { sizeBytes: 1, redirectTo: '/alma9.iso' },
  });
});
afterAll(async () => {
  await source?.close();
});

let core: CoreHarness;
/** The core over a simulator; its downloads may reach the loopback source unless `downloads` says otherwise. */
async function start(sim?: SimulatorOptions, downloads?: HttpDownloadsOptions): Promise<CoreHarness> {
  core = await startCore({ ...(sim ? { sim } : {}), ...(downloads ? { downloads } : {}) });
  return core;
}
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

/** The sha256 of what the source serves, read the way any client would. */
async function sourceSha256(path: string): Promise<string> {
  const response = await fetch(source.url(path));
  return createHash('sha256')
    .update(Buffer.from(await response.arrayBuffer()))
    .digest('hex');
}

/** The iso.upload step run by itself, as the executor would run it for job `jobId`. */
function stepContext(jobId: string): StepContext {
  return {
    jobId,
    engine: core.lab.client.withCorrelationId(jobId),
    machines: createSimDriver(core.lab.sim),
    downloads: createHttpDownloads(LOOPBACK_SOURCES),
    lab: labInfoFromSimulator(core.lab.sim),
    clock: () => core.clock.now,
    signal: new AbortController().signal,
    output: () => undefined,
    progress: () => undefined,
  };
}

/** A disk of an earlier upload that never completed: labops' incomplete mark, locked, then ok. */
async function leaveIncompleteUpload(name: string, sizeBytes: number, jobId?: string) {
  const data = await core.lab.client.findStorageDomain('nfs-data');
  return core.lab.client.createDisk({
    name,
    sizeBytes,
    storageDomainId: data.id,
    contentType: 'iso',
    description: renderDiskMark({ state: 'incomplete', sizeBytes, jobId }),
  });
}

async function uploadAlma() {
  const job = await confirm(await run(`upload ${source.url('/alma9.iso')}`));
  expect(job?.status, job?.error).toBe('succeeded');
  const [disk] = (await core.lab.client.listIsoDisks()).filter((d) => d.name === 'alma9.iso');
  return disk!;
}

describe('/iso upload into a data domain', () => {
  it('streams the source through an image transfer with progress; the bytes received hash as the source', async () => {
    await start();
    const planned = card(await run(`upload ${source.url('/alma9.iso')}`));
    expect(planned.approval.risk).toBe('change');
    expect(planned.plan.summary).toBe('Upload alma9.iso (6.0 MiB) into nfs-data');
    const progress: number[] = [];
    core.labops.bus.subscribe((e) => {
      if (e.type === 'step:progress') progress.push(e.fraction);
    });
    const job = await confirm(planned.result);
    expect(job?.status, job?.error).toBe('succeeded');
    expect(progress.at(-1)).toBe(1);
    const expected = await sourceSha256('/alma9.iso');
    const [step] = await core.store.listSteps(planned.job.id);
    // The simulator plays 4.3: the disk keeps its "incomplete" mark, and the report says so.
    expect(step?.detail).toBe(`sha256 ${expected}.${NOTE_43}`);
    expect(step?.endState).toBe('alma9.iso is in nfs-data: status ok, 6.0 MiB');
    const [disk] = (await core.lab.client.listIsoDisks()).filter((d) => d.name === 'alma9.iso');
    const received = [...core.lab.sim.uploads.values()].find((u) => u.diskId === disk?.id);
    expect(received?.sha256).toBe(expected);
    // A 4.3 engine keeps the first mark; the job that made the disk is the proof it completed.
    expect(parseDiskMark(disk?.description)).toMatchObject({ state: 'incomplete', jobId: planned.job.id });

    expect(viewText(await run('list'))).toContain('alma9.iso  nfs-data  6.0 MiB"');
    // The name exists now: a second upload is refused before any approval.
    expect(error(await run(`upload ${source.url('/alma9.iso')}`)).message).toContain('already exists');
  });

  it('survives five 503s during its waits at 4.3 and still delivers the right bytes', async () => {
    await start({ engineVersion: '4.3.11' });
    const planned = card(await run(`upload ${source.url('/alma9.iso')}`));
    // Two on the disk-ready wait, three on the transfer's waits: more than one read's own retries.
    core.lab.sim.knobs.injectFault({
      kind: 'server-error',
      status: 503,
      method: 'GET',
      path: /^\/disks\/[^/]+$/,
      count: 2,
    });
    core.lab.sim.knobs.injectFault({
      kind: 'server-error',
      status: 503,
      method: 'GET',
      path: /^\/imagetransfers\/[^/]+$/,
      count: 3,
    });
    const job = await confirm(planned.result);
    expect(job?.status, job?.error).toBe('succeeded');
    expect(core.lab.sim.requests.filter((r) => r.status === 503)).toHaveLength(5);
    const [disk] = (await core.lab.client.listIsoDisks()).filter((d) => d.name === 'alma9.iso');
    const received = [...core.lab.sim.uploads.values()].find((u) => u.diskId === disk?.id);
    expect(received?.sha256).toBe(await sourceSha256('/alma9.iso'));
    expect(disk?.status).toBe('ok');
  });

  it('refuses what is not an ISO, a URL that is not http(s), and a missing file', async () => {
    await start();
    expect(error(await run(`upload ${source.url('/notes.txt')}`)).message).toContain('not an ISO 9660 image');
    expect(error(await run('upload ftp://mirror.example/x.iso')).message).toContain('Only http and https');
    expect(error(await run(`upload ${source.url('/nope.iso')}`)).message).toContain('answered 404');
    expect(error(await run(`upload ${source.url('/alma9.iso')} --domain nowhere`)).code).toBe('NOT_FOUND');
  });

  it('cancels cleanly: the transfer is cancelled and no disk is left', async () => {
    await start();
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
    await core.labops.jobs.cancel(planned.job.id, 'shell:operator');
    const job = await core.labops.executor.whenFinished(planned.job.id);
    expect(job?.status).toBe('cancelled');
    const disks = await core.lab.client.listIsoDisks();
    expect(disks.map((d) => d.name)).not.toContain('slow.iso');
    const cancels = core.lab.sim.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/cancel'));
    expect(cancels).toHaveLength(1);
  });

  it('fails with the source failure, says which step and that the engine removed the disk', async () => {
    await start();
    const job = await confirm(await run(`upload ${source.url('/broken.iso')}`));
    expect(job?.status).toBe('failed');
    expect(job?.error).toContain('Step 1 (Upload broken.iso into nfs-data) failed');
    expect(job?.error).toContain('The engine removed the disk broken.iso.');
    expect((await core.lab.client.listIsoDisks()).map((d) => d.name)).not.toContain('broken.iso');
  });

  it('replaces the incomplete upload of an earlier job: removed first, never taken though it turned ok', async () => {
    await start();
    const leftover = await leaveIncompleteUpload('alma9.iso', 6 * MiB + 123);
    const planned = card(await run(`upload ${source.url('/alma9.iso')}`));
    expect(planned.plan.impact[1]).toMatch(
      new RegExp(
        `^It replaces the incomplete upload alma9\\.iso \\(6\\.0 MiB\\) left by an earlier job: that disk \\(${leftover.id}, (locked|ok)\\) is removed first\\.$`,
      ),
    );
    expect(planned.plan.steps[0]?.shows?.[0]).toBe(`DELETE /disks/${leftover.id} (the incomplete upload)`);
    // By the run the leftover is ok, of the right size and name: still not the upload.
    await core.lab.client.waitForDiskStatus(leftover.id, ['ok']);
    const job = await confirm(planned.result);
    expect(job?.status, job?.error).toBe('succeeded');
    expect((await core.store.listSteps(planned.job.id))[0]?.status).toBe('changed');
    expect(await core.lab.client.getDisk(leftover.id)).toBeUndefined();
    const disks = (await core.lab.client.listIsoDisks()).filter((d) => d.name === 'alma9.iso');
    expect(disks).toHaveLength(1);
    expect(disks[0]?.id).not.toBe(leftover.id);
    expect(parseDiskMark(disks[0]?.description)?.jobId).toBe(planned.job.id);
  });

  it('asks a second approver to replace an ok disk whose job labops does not know (a lost job record at 4.3)', async () => {
    await start();
    const leftover = await leaveIncompleteUpload('alma9.iso', 6 * MiB + 123, 'job-lost');
    await core.lab.client.waitForDiskStatus(leftover.id, ['ok']);
    const planned = card(await run(`upload ${source.url('/alma9.iso')}`));
    expect(planned.approval.risk).toBe('destructive');
    expect(planned.plan.riskReasons).toEqual([
      `The job named by alma9.iso (${leftover.id}) is unknown to labops: on a 4.3 engine, whose disk marks stay "incomplete", it may be a complete upload.`,
    ]);
    await approveAndRun(core, planned.result);
    expect(await core.lab.client.getDisk(leftover.id)).toBeUndefined();
  });

  it('never takes a leftover that appeared after the plan, even once ok; /iso remove removes it', async () => {
    await start();
    const step = isoSteps.find((s) => s.kind === 'iso.upload')!;
    const params = step.params.parse({
      url: source.url('/alma9.iso'),
      name: 'alma9.iso',
      domain: 'nfs-data',
      sizeBytes: 6 * MiB + 123,
    });
    const leftover = await leaveIncompleteUpload('alma9.iso', 6 * MiB + 123);
    await core.lab.client.waitForDiskStatus(leftover.id, ['ok']);
    const before = core.lab.sim.requests.length;
    await expect(step.run(stepContext('job-late'), params)).rejects.toThrow(
      `A disk named alma9.iso (${leftover.id}, ok) appeared since the plan and is not a complete upload of this source; it is not taken as the upload, and nothing was changed.`,
    );
    expect(core.lab.sim.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);

    expect(viewText(await run('list'))).toContain('alma9.iso  nfs-data  6.0 MiB  incomplete upload');
    const removal = card(await run('remove alma9.iso'));
    expect(removal.approval.risk).toBe('destructive');
    expect(removal.plan.impact).toEqual([
      `The disk alma9.iso (${leftover.id}, 6.0 MiB, ok, an incomplete upload) is removed from nfs-data.`,
    ]);
    const { steps } = await approveAndRun(core, removal.result);
    expect(steps[0]?.endState).toBe(`alma9.iso (${leftover.id}) is gone from nfs-data`);
    expect(await core.lab.client.getDisk(leftover.id)).toBeUndefined();
  });
});

describe('/iso upload at engine 4.4.10', () => {
  it('marks the disk complete with the size and sha256 of the bytes received', async () => {
    await start({ engineVersion: '4.4.10' });
    const disk = await uploadAlma();
    const expected = await sourceSha256('/alma9.iso');
    expect(parseDiskMark(disk.description)).toMatchObject({
      state: 'complete',
      sizeBytes: 6 * MiB + 123,
      sha256: expected,
    });
    const received = [...core.lab.sim.uploads.values()].find((u) => u.diskId === disk.id);
    expect(received?.sha256).toBe(expected);
  });
});

describe('/iso upload into the 4.3 ISO domain, and /iso remove of its file', () => {
  it('has the storage server download it as the uploader did, and removes exactly that file', async () => {
    await start();
    const planned = card(
      await run(`upload ${source.url('/alma9.iso')} --domain nfs-iso --name CentOS-7.iso`),
    );
    expect(planned.plan.steps.map((s) => s.kind)).toEqual(['runbook.apply', 'iso.refresh-files']);
    expect(planned.plan.steps[0]?.shows?.join(' ')).toContain('.CentOS-7.iso');
    const job = await confirm(planned.result);
    expect(job?.status, job?.error).toBe('succeeded');
    expect((await core.store.listSteps(planned.job.id)).at(-1)?.endState).toBe(
      'CentOS-7.iso is listed in nfs-iso',
    );
    const iso = await core.lab.client.findStorageDomain('nfs-iso');
    const storage = core.lab.sim.machines.get('storage')!;
    const path = `/export/iso/${iso.id}/images/${ISO_DIR}/CentOS-7.iso`;
    expect(storage.files.get(path)).toMatchObject({ kind: 'file', uid: 36, gid: 36, mode: 0o640 });
    expect(viewText(await run('list'))).toContain('CentOS-7.iso  nfs-iso');

    // Another file beside it stays.
    storage.files.set(`/export/iso/${iso.id}/images/${ISO_DIR}/other.iso`, {
      kind: 'file',
      uid: 36,
      gid: 36,
      mode: 0o640,
      size: 1,
    });
    const removal = card(await run('remove CentOS-7.iso'));
    expect(removal.approval.risk).toBe('destructive');
    expect(removal.plan.steps.map((s) => s.kind)).toEqual(['runbook.apply', 'iso.refresh-files']);
    expect(removal.plan.steps[0]?.shows).toEqual([`storage# rm -f -- '${path}'`]);
    const { steps } = await approveAndRun(core, removal.result);
    expect(steps.at(-1)?.endState).toBe('CentOS-7.iso is no longer listed in nfs-iso');
    expect(storage.files.has(path)).toBe(false);
    expect(storage.files.has(`/export/iso/${iso.id}/images/${ISO_DIR}/other.iso`)).toBe(true);
    expect(viewText(await run('list'))).not.toContain('CentOS-7.iso');
  });
});

describe('/iso upload from a fenced source (issue 10 §2)', () => {
  it('refuses a loopback source unless the lab opts in, with one message, before any request', async () => {
    await start({}, {});
    const before = source.requests.length;
    const refused = error(await run(`upload ${source.url('/alma9.iso')}`));
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toBe(REFUSED_MESSAGE);
    const port = new URL(source.url('/')).port;
    const decimal = error(await run(`upload http://2130706433:${port}/nope.iso --domain nfs-iso`));
    expect(`${decimal.message} ${decimal.hint}`).toBe(`${refused.message} ${refused.hint}`);
    expect(source.requests.length).toBe(before);
  });

  it('follows a redirect and uploads from the final URL at the address it checked', async () => {
    await start();
    const planned = card(await run(`upload ${source.url('/moved.iso')} --name alma9.iso`));
    expect(planned.plan.steps[0]?.params).toMatchObject({
      url: source.url('/alma9.iso'),
      address: '127.0.0.1',
    });
    expect(planned.plan.steps[0]?.shows).toContain(
      `GET ${source.url('/alma9.iso')} (connecting to 127.0.0.1) → PUT transfer_url (sha256 on the way)`,
    );
    const job = await confirm(planned.result);
    expect(job?.status, job?.error).toBe('succeeded');
  });
});

describe('/iso upload checks what it stored (issue 10 §3)', () => {
  const isoDir = async () => {
    const iso = await core.lab.client.findStorageDomain('nfs-iso');
    return `/export/iso/${iso.id}/images/${ISO_DIR}`;
  };
  const entries = async () => {
    const dir = await isoDir();
    return [...core.lab.sim.machines.get('storage')!.files.keys()].filter((k) => k.startsWith(`${dir}/`));
  };

  it('fails on a source whose Range answer is not its body, and keeps nothing — data domain and ISO domain', async () => {
    await start();
    const data = await confirm(await run(`upload ${source.url('/html.iso')}`));
    expect(data?.status).toBe('failed');
    expect(data?.error).toContain(`The source is now 4980 bytes; the plan said ${6 * MiB + 123}.`);
    expect((await core.lab.client.listIsoDisks()).map((d) => d.name)).not.toContain('html.iso');

    const planned = card(await run(`upload ${source.url('/html.iso')} --domain nfs-iso`));
    const shown = planned.plan.steps[0]?.shows?.join('\n') ?? '';
    expect(shown).toContain(
      `--max-time ${300 + 7} --url '${source.url('/html.iso')}' | head -c ${6 * MiB + 124} >"$t"`,
    );
    expect(shown).not.toMatch(/ -L /);
    const iso = await confirm(planned.result);
    expect(iso?.status).toBe('failed');
    expect(iso?.error).toContain(
      `The download on storage failed: the source sent 4980 bytes, not the ${6 * MiB + 123} the plan checked. The partial file was removed.`,
    );
    expect(await entries()).toEqual([]);
  });

  it('fails on an HTML page of the planned size: not an ISO 9660 image, on both paths', async () => {
    await start();
    const data = await confirm(await run(`upload ${source.url('/html-same-size.iso')}`));
    expect(data?.status).toBe('failed');
    expect(data?.error).toContain('The source is not an ISO 9660 image (no CD001 at byte 32769).');
    expect((await core.lab.client.listIsoDisks()).map((d) => d.name)).not.toContain('html-same-size.iso');
    const iso = await confirm(await run(`upload ${source.url('/html-same-size.iso')} --domain nfs-iso`));
    expect(iso?.error).toContain(
      'The download on storage failed: it is not an ISO 9660 image (no CD001 at byte 32769).',
    );
    expect(await entries()).toEqual([]);
  });

  it('checks --sha256 on the data domain path: a match says so, a mismatch fails and leaves no disk', async () => {
    await start();
    const expected = await sourceSha256('/alma9.iso');
    const wrong = 'ab'.repeat(32);
    const failed = card(await run(`upload ${source.url('/alma9.iso')} --sha256 ${wrong}`));
    expect(failed.plan.impact).toContain(
      `Its sha256 must be ${wrong}: otherwise the upload fails and nothing is kept.`,
    );
    const job = await confirm(failed.result);
    expect(job?.status).toBe('failed');
    expect(job?.error).toContain(`The source's sha256 is ${expected}, not the ${wrong} given with --sha256`);
    expect((await core.lab.client.listIsoDisks()).map((d) => d.name)).not.toContain('alma9.iso');

    const good = card(await run(`upload ${source.url('/alma9.iso')} --sha256 ${expected.toUpperCase()}`));
    expect((await confirm(good.result))?.status).toBe('succeeded');
    expect((await core.store.listSteps(good.job.id))[0]?.detail).toBe(
      `sha256 ${expected} (as --sha256 said).${NOTE_43}`,
    );
    expect(error(await run(`upload ${source.url('/alma9.iso')} --name x.iso --sha256 123`)).code).toBe(
      'USAGE',
    );
  });

  it('checks --sha256 on the ISO domain path; without it the report shows the sha256 stored', async () => {
    await start();
    const expected = await sourceSha256('/alma9.iso');
    const wrong = 'cd'.repeat(32);
    const failed = await confirm(
      await run(`upload ${source.url('/alma9.iso')} --domain nfs-iso --sha256 ${wrong}`),
    );
    expect(failed?.error).toContain(
      `The download on storage failed: its sha256 is ${expected}, not the ${wrong} given. The partial file was removed.`,
    );
    expect(await entries()).toEqual([]);

    const plain = card(await run(`upload ${source.url('/alma9.iso')} --domain nfs-iso`));
    expect((await confirm(plain.result))?.status).toBe('succeeded');
    expect((await core.store.listSteps(plain.job.id))[0]?.detail).toBe(
      `${await isoDir()}/alma9.iso: 36:36:640, ${6 * MiB + 123} bytes, sha256 ${expected}`,
    );
    expect(await entries()).toEqual([`${await isoDir()}/alma9.iso`]);
  });
});

describe('/iso remove', () => {
  it('removes an uploaded disk and waits until it is gone', async () => {
    await start();
    const disk = await uploadAlma();
    const removal = card(await run('remove alma9.iso'));
    expect(removal.plan.summary).toBe('Remove the ISO alma9.iso from nfs-data');
    expect(removal.plan.locks).toEqual(['domain:nfs-data']);
    await approveAndRun(core, removal.result);
    expect(await core.lab.client.getDisk(disk.id)).toBeUndefined();
    expect(error(await run('remove alma9.iso')).message).toBe('There is no ISO "alma9.iso" in the lab.');
  });

  it('refuses while a VM’s CD drive holds the ISO, naming the VM', async () => {
    await start();
    await uploadAlma();
    expect((await confirm(await run('attach web1 alma9.iso')))?.status).toBe('succeeded');
    const refused = error(await run('remove alma9.iso'));
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toBe(
      'alma9.iso is in the CD drive of web1 (now); it cannot be removed while a VM holds it.',
    );
  });
});

describe('/iso attach', () => {
  it('boots a stopped VM once from an uploaded ISO', async () => {
    await start();
    await uploadAlma();
    expect(error(await run('attach app1 alma9.iso --run-once')).message).toContain('must be down');
    const app1 = await core.lab.client.findVm('app1');
    await core.lab.client.stopVm(app1.id);
    await core.lab.client.waitForVmStatus(app1.id, ['down']);
    const job = await confirm(await run('attach app1 alma9.iso --run-once'));
    expect(job?.status, job?.error).toBe('succeeded');
    expect((await core.store.listSteps(job!.id))[0]?.endState).toBe('app1 is up, booted from alma9.iso');
  });

  it('a run-once start that fails ends its wait early, watching the engine events since the start', async () => {
    // Slow enough that powering_up is seen before the VM is up (the lab's 3 s start × 0.2).
    await start({ timeScale: 0.2 });
    const { client, sim } = core.lab;
    const isoDomain = await client.findStorageDomain('nfs-iso');
    sim.machines.get('storage')!.files.set(`/export/iso/${isoDomain.id}/images/${ISO_DIR}/boot.iso`, {
      kind: 'file',
      uid: 36,
      gid: 36,
      mode: 0o640,
      size: MiB,
    });
    expect((await client.listIsoDomainFiles(isoDomain.id, true)).map((f) => f.name)).toContain('boot.iso');
    const app1 = await client.findVm('app1');
    await client.stopVm(app1.id);
    await client.waitForVmStatus(app1.id, ['down']);
    const step = isoSteps.find((s) => s.kind === 'vm.run-once-cd')!;
    // Someone else stops app1 while it powers up: the run-once failed.
    const other = core.lab.connect();
    let stopped: Promise<void> | undefined;
    const lines: string[] = [];
    const ctx: StepContext = {
      ...stepContext('job-run-once'),
      output: (line) => {
        // The wait's lines are catalog texts: read as the English log keeps them.
        const text = typeof line === 'string' ? line : renderText('en', line);
        lines.push(text);
        if (text === 'app1: powering_up') stopped ??= other.stopVm(app1.id);
      },
    };
    const since = await client.getLastEventIndex();
    const mark = sim.requests.length;
    const failure = step.run(ctx, step.params.parse({ vm: 'app1', fileId: 'boot.iso', iso: 'boot.iso' }));
    await expect(failure).rejects.toThrow('VM app1 went back to down after powering_up');
    await stopped;
    // Ended at the second down poll, long before the wait's deadline (3 min × 0.2: 60 polls).
    expect(lines.slice(-2)).toEqual(['app1: down', 'app1: down']);
    expect(lines.length).toBeLessThan(10);

    const after = sim.requests.slice(mark);
    const indexRead = after.findIndex(
      (r) => r.method === 'GET' && r.url === '/ovirt-engine/api/events?max=1',
    );
    const startSent = after.findIndex(
      (r) => r.method === 'POST' && r.url === `/ovirt-engine/api/vms/${app1.id}/start`,
    );
    expect(indexRead).toBeGreaterThanOrEqual(0);
    expect(indexRead).toBeLessThan(startSent);
    // Every poll of the wait but the last (which failed on its state) read the engine's events after
    // the index read before the start.
    const eventReads = after.slice(startSent).filter((r) => r.url.startsWith('/ovirt-engine/api/events?'));
    expect(eventReads.length).toBe(lines.length - 1);
    expect(new Set(eventReads.map((r) => r.url))).toEqual(
      new Set([`/ovirt-engine/api/events?from=${since}`]),
    );
  });

  it('the CD check says what to do when the drive does not hold the ISO', async () => {
    await start();
    const step = isoSteps.find((s) => s.kind === 'vm.change-cd')!;
    const web1 = await core.lab.client.findVm('web1');
    expect(await core.lab.client.getCdromFile(web1.id, { current: true })).toBeUndefined();
    const params = { vm: 'web1', fileId: 'alma9.iso', iso: 'alma9.iso' };
    const now = await step.verify!(
      stepContext('job-check'),
      step.params.parse({ ...params, views: ['current'] }),
    ).catch((e: unknown) => e);
    expect(now).toMatchObject({
      code: 'CONFLICT',
      message: "web1's CD drive holds nothing now, not alma9.iso.",
      hint: "The engine took the change but the running VM does not show it: read the engine's events for web1 (Administration Portal → Events), then run /iso attach web1 alma9.iso again.",
    });
    const saved = await step.verify!(
      stepContext('job-check'),
      step.params.parse({ ...params, views: ['saved'] }),
    ).catch((e: unknown) => e);
    expect((saved as LabopsError).hint).toContain('Edit VM → Boot Options');
    expect((saved as LabopsError).hint).toContain('/iso attach web1 alma9.iso');
  });

  it('changes what a running VM has in its CD drive now, checked in that view; a second attach is ok', async () => {
    await start();
    const disk = await uploadAlma();
    const planned = card(await run('attach web1 alma9.iso'));
    expect(planned.plan.summary).toBe("Put alma9.iso in web1's CD drive now, until it stops");
    expect(planned.plan.steps[0]?.shows).toEqual([
      `PUT /vms/{web1}/cdroms/{cdrom}?current=true (file ${disk.id})`,
    ]);
    const first = await confirm(planned.result);
    expect((await core.store.listSteps(first!.id))[0]).toMatchObject({
      status: 'changed',
      endState: "web1's CD drive holds alma9.iso now (until it stops)",
    });
    const web1 = await core.lab.client.findVm('web1');
    expect(await core.lab.client.getCdromFile(web1.id, { current: true })).toBe(disk.id);
    // The saved configuration is unchanged: the next boot comes up without it.
    expect(await core.lab.client.getCdromFile(web1.id)).toBeUndefined();
    const second = await confirm(await run('attach web1 alma9.iso'));
    expect((await core.store.listSteps(second!.id))[0]?.status).toBe('ok');
  });

  it('with --persist keeps the ISO at every boot too; a VM that is down gets it at its next boot', async () => {
    await start();
    const disk = await uploadAlma();
    const persisted = card(await run('attach web1 alma9.iso --persist'));
    expect(persisted.plan.summary).toBe("Put alma9.iso in web1's CD drive now and at every boot");
    const job = await confirm(persisted.result);
    expect((await core.store.listSteps(job!.id))[0]?.endState).toBe(
      "web1's CD drive holds alma9.iso now and in its saved configuration",
    );
    const web1 = await core.lab.client.findVm('web1');
    expect(await core.lab.client.getCdromFile(web1.id, { current: true })).toBe(disk.id);
    expect(await core.lab.client.getCdromFile(web1.id)).toBe(disk.id);

    const app1 = await core.lab.client.findVm('app1');
    await core.lab.client.stopVm(app1.id);
    await core.lab.client.waitForVmStatus(app1.id, ['down']);
    const down = card(await run('attach app1 alma9.iso'));
    expect(down.plan.summary).toBe("Put alma9.iso in app1's CD drive at its next boot");
    expect(down.plan.impact).toEqual([
      'app1 is down: its saved configuration gets alma9.iso, which shows at its next boot.',
    ]);
    const saved = await confirm(down.result);
    expect((await core.store.listSteps(saved!.id))[0]?.endState).toBe(
      "app1's CD drive holds alma9.iso in its saved configuration (from its next boot)",
    );
    expect(await core.lab.client.getCdromFile(app1.id)).toBe(disk.id);
  });

  it('refuses a VM that is migrating or starting, with the reason', async () => {
    // Slow enough that a migration and a start last while the plan is made.
    await start({ timeScale: 0.25 });
    const { client, sim } = core.lab;
    const isoDomain = await client.findStorageDomain('nfs-iso');
    sim.machines.get('storage')!.files.set(`/export/iso/${isoDomain.id}/images/${ISO_DIR}/tools.iso`, {
      kind: 'file',
      uid: 36,
      gid: 36,
      mode: 0o640,
      size: 1,
    });
    const app1 = await client.findVm('app1');
    await client.stopVm(app1.id);
    await client.waitForVmStatus(app1.id, ['down']);
    await client.startVm(app1.id);
    expect((await client.getVm(app1.id)).status).toBe('powering_up');
    expect(error(await run('attach app1 tools.iso')).message).toBe(
      'app1 is powering_up: a CD change needs it up (now) or down (at its next boot).',
    );

    const hyper1 = await client.findHost('hyper1');
    await client.deactivateHost(hyper1.id);
    const web1 = await client.findVm('web1');
    await client.waitForVmStatus(web1.id, ['migrating']);
    const refused = error(await run('attach web1 tools.iso'));
    expect(refused.message).toBe(
      'web1 is migrating to another host: its CD drive cannot be changed until the migration ends.',
    );
    expect(refused.hint).toContain('Wait until it is up again');
  });

  it('refuses a file the engine cannot put in a CD drive, with a hint', async () => {
    await start();
    const isoDomain = await core.lab.client.findStorageDomain('nfs-iso');
    core.lab.sim.machines
      .get('storage')!
      .files.set(`/export/iso/${isoDomain.id}/images/${ISO_DIR}/tools.img`, {
        kind: 'file',
        uid: 36,
        gid: 36,
        mode: 0o640,
        size: 1,
      });
    const refused = error(await run('attach web1 tools.img'));
    expect(refused.message).toBe(
      'tools.img cannot go in a CD drive: the engine takes only a disk id or a file name ending in .iso.',
    );
    expect(refused.hint).toContain('--name tools.iso');
  });

  it('names what is missing, and refuses an upload that did not complete', async () => {
    await start();
    expect(error(await run('attach nosuchvm alma9.iso')).message).toContain('There is no VM "nosuchvm"');
    expect(error(await run('attach web1 nosuch.iso')).message).toContain('There is no ISO "nosuch.iso"');
    const leftover = await leaveIncompleteUpload('half.iso', MiB);
    await core.lab.client.waitForDiskStatus(leftover.id, ['ok']);
    expect(error(await run('attach web1 half.iso')).message).toBe(
      'half.iso is an upload that did not complete; it is not an ISO a VM can boot.',
    );
  });
});

/**
 * A Korean rendering as the catalog made it: every piece inside a catalog message (⟦…⟧), and no
 * English word left once the names and values given to it («…», ‹…›) and the commands to type
 * are taken out — only the engine's state words and labops's own name stay as they are.
 */
function expectKorean(text: Text): string {
  // Engine states, the disk mark's word, names and units the Korean keeps as they are.
  const KEPT_AS_IS = new Set(['active', 'down', 'incomplete', 'labops', 'ISO', 'URL', 'GiB', 'MiB']);
  const marked = renderText('ko', text, { mark: true });
  expect(marked.startsWith('⟦') && marked.endsWith('⟧'), marked).toBe(true);
  const words = marked
    .replace(/«[^»]*»|‹[^›]*›/g, '')
    .replace(/\/(iso|host|storage|lab) [a-z]+( [A-Z]+)*/g, '')
    .replace(/--[a-z0-9-]+|[\w-]*\.iso\b/g, '')
    .match(/\b[A-Za-z]{3,}\b/g);
  expect((words ?? []).filter((w) => !KEPT_AS_IS.has(w))).toEqual([]);
  return renderText('ko', text);
}

describe('/iso in Korean (issue 16)', () => {
  it('lists ISOs and the leftovers of failed uploads in Korean', async () => {
    await start();
    await uploadAlma();
    await leaveIncompleteUpload('half.iso', 2 * MiB);
    const result = await run('list');
    if (result.kind !== 'view') throw new Error(`expected a view, got ${result.kind}`);
    const { view } = result;
    const ko = localizeView(view, 'ko');
    expect(ko.title).toBe('ISO 이미지');
    expect(ko.state?.text).toBe('이미지 2개');
    expect(ko.sections[0]?.lines[0]).toBe('alma9.iso  nfs-data  6.0 MiB');
    expect(ko.sections[0]?.lines[1]).toMatch(
      /^half\.iso {2}nfs-data {2}2\.0 MiB {2}(locked, )?완료되지 않은 업로드$/,
    );
    expect(ko.sections[1]?.lines).toEqual([
      '업로드 실패로 남은 디스크이며 ISO로 쓰인 적이 없습니다: half.iso. /iso remove NAME 명령으로 하나씩 삭제할 수 있고, 같은 이름으로 다시 업로드하면 교체됩니다.',
    ]);
    for (const text of [view.title, view.state!.text, ...view.sections.flatMap((s) => s.lines)]) {
      expectKorean(text);
    }
  });

  it('shows the upload plan, its step and the report in Korean', async () => {
    await start();
    // The step's detail and end state, as the store keeps them.
    const plain = card(await run(`upload ${source.url('/alma9.iso')} --name alma9-b.iso`));
    expect((await confirm(plain.result))?.status).toBe('succeeded');
    const [step] = await core.store.listSteps(plain.job.id);
    expect(renderText('ko', step!.endStateText!)).toBe(
      'alma9-b.iso 이미지가 nfs-data에 있습니다: 상태 ok, 6.0 MiB',
    );
    expect(renderText('ko', step!.detailText!)).toBe(
      `sha256 ${await sourceSha256('/alma9.iso')}.${NOTE_43_KO}`,
    );
    expectKorean(step!.endStateText!);

    // An upload that replaces a leftover whose job labops does not know, checked with --sha256.
    const leftover = await leaveIncompleteUpload('alma9.iso', 6 * MiB + 123, 'job-old');
    // The engine unlocks a new disk a moment later: an ok disk is the one that may be complete.
    await expect
      .poll(async () => (await core.lab.client.getDisk(leftover.id))?.status, { timeout: 5000, interval: 20 })
      .toBe('ok');
    const result = await run(`upload ${source.url('/alma9.iso')} --sha256 ${'ab'.repeat(32)}`);
    if (result.kind !== 'card') throw new Error(`expected a card, got ${result.kind}`);
    const { plan } = result.card;
    const ko = localizePlan(plan, 'ko');
    expect(ko.summary).toBe('nfs-data에 alma9.iso (6.0 MiB) 업로드');
    expect(ko.riskReasons).toEqual([
      `alma9.iso (${leftover.id}) 디스크에 적힌 작업을 labops가 알지 못합니다. 4.3 엔진에서는 디스크 표시가 "incomplete"로 남으므로 완료된 업로드일 수 있습니다.`,
    ]);
    expect(ko.impact[0]).toBe(
      'nfs-data에 6.0 MiB 크기의 새 ISO 디스크를 만들고 127.0.0.1에서 alma9.iso 이미지를 스트리밍합니다.',
    );
    expect(ko.impact[1]).toMatch(
      new RegExp(
        `^이전 작업\\(job-old\\)이 남긴 완료되지 않은 업로드 alma9\\.iso \\(6\\.0 MiB\\) 디스크를 교체합니다\\. 그 디스크\\(${leftover.id}, (locked|ok)\\)를 먼저 삭제합니다\\.$`,
      ),
    );
    expect(ko.impact[2]).toBe(
      `sha256 값이 다음과 같아야 합니다: ${'ab'.repeat(32)}. 다르면 업로드가 실패하고 아무것도 남지 않습니다.`,
    );
    expect(ko.steps[0]?.title).toBe('nfs-data에 alma9.iso 업로드');
    for (const text of [
      plan.summary,
      ...plan.riskReasons,
      ...plan.impact,
      ...plan.steps.map((s) => s.title),
    ]) {
      expectKorean(text);
    }
  });

  it('shows the ISO domain upload in Korean, its time limit as Korean writes it', async () => {
    await start();
    const result = await run(`upload ${source.url('/alma9.iso')} --domain nfs-iso --name CentOS-7.img`);
    if (result.kind !== 'card') throw new Error(`expected a card, got ${result.kind}`);
    const { plan } = result.card;
    const ko = localizePlan(plan, 'ko');
    expect(ko.summary).toBe('ISO 도메인 nfs-iso에 CentOS-7.img (6.0 MiB) 업로드');
    expect(ko.impact).toEqual([
      'storage 서버가 127.0.0.1에서 CentOS-7.img 파일을 내려받아 /export/iso에 둡니다(소유자 36:36, 모드 0640, 제한 시간 5분 7초).',
      `크기가 ${6 * MiB + 123}바이트이고 32769바이트 위치에 CD001이 있을 때만 파일을 남깁니다. 보고서에 sha256 값이 표시됩니다.`,
      '엔진에 있는 nfs-iso 도메인의 파일 목록을 새로 고칩니다.',
    ]);
    expect(ko.warnings).toEqual([
      '엔진은 이름이 .iso로 끝나는 파일만 CD 드라이브에 넣습니다. CentOS-7.img 파일은 VM에 연결할 수 없습니다.',
    ]);
    expect(ko.steps.at(-1)?.title).toBe('nfs-iso 도메인 파일 목록 새로 고침');
    for (const text of [plan.summary, ...plan.impact, ...plan.warnings, plan.steps.at(-1)!.title]) {
      expectKorean(text);
    }
  });

  it('puts an ISO in a CD drive and refuses a held ISO, in Korean', async () => {
    await start();
    await uploadAlma();
    const result = await run('attach web1 alma9.iso --persist');
    if (result.kind !== 'card') throw new Error(`expected a card, got ${result.kind}`);
    const { plan } = result.card;
    const ko = localizePlan(plan, 'ko');
    expect(ko.summary).toBe('web1 VM의 CD 드라이브에 alma9.iso 넣기 (지금과 매 부팅 시)');
    expect(ko.impact).toEqual([
      'web1 VM의 CD 드라이브에 지금 alma9.iso 이미지가 들어가고, 저장된 설정에도 남아 매 부팅 시 유지됩니다.',
    ]);
    expect(ko.steps[0]?.title).toBe('web1 VM에 alma9.iso 넣기 (지금과 매 부팅 시)');
    for (const text of [plan.summary, ...plan.impact, plan.steps[0]!.title]) expectKorean(text);
    const job = await confirm(result);
    const [step] = await core.store.listSteps(job!.id);
    expect(expectKorean(step!.endStateText!)).toBe(
      'web1 VM의 CD 드라이브에 지금과 저장된 설정 모두 alma9.iso 이미지가 들어 있습니다',
    );

    const refused = error(await run('remove alma9.iso'));
    expect(expectKorean(refused.text)).toBe(
      'alma9.iso 이미지가 VM의 CD 드라이브에 들어 있어 삭제할 수 없습니다: web1 (지금, 다음 부팅 시).',
    );
    expect(expectKorean(refused.hintText!)).toBe(
      '먼저 다른 ISO를 넣거나(/iso attach VM OTHER.iso) 관리 포털에서 꺼내십시오.',
    );
  });

  it('says what is wrong and how to fix it in Korean', async () => {
    await start();
    const missing = error(await run('attach web1 nosuch.iso'));
    expect(expectKorean(missing.text)).toBe('실습 환경에 "nosuch.iso" ISO가 없습니다.');
    expect(expectKorean(missing.hintText!)).toBe(
      'ISO 목록은 /iso list에서 볼 수 있고, /iso upload URL로 추가합니다.',
    );
    const notIso = error(await run(`upload ${source.url('/notes.txt')}`));
    expect(expectKorean(notIso.text)).toBe(
      'notes.txt 파일은 ISO 9660 이미지가 아닙니다(32769바이트 위치에 CD001이 없음).',
    );
    expect(expectKorean(notIso.hintText!)).toBe(
      'URL을 확인하십시오. 웹 페이지나 압축 파일은 ISO가 아닙니다.',
    );
    const nowhere = error(await run(`upload ${source.url('/alma9.iso')} --domain nowhere`));
    expect(expectKorean(nowhere.text)).toBe('데이터 센터에 "nowhere" 스토리지 도메인이 없습니다.');
    expect(expectKorean(nowhere.hintText!)).toBe('도메인: nfs-data 및 nfs-iso.');
  });

  it('refuses a VM between states in Korean, with the engine’s state word kept', async () => {
    await start();
    let refused: unknown;
    try {
      chooseCdViews('web1', 'powering_up', false);
    } catch (e) {
      refused = e;
    }
    const e = refused as LabopsError;
    expect(expectKorean(e.text)).toBe(
      'web1 VM이 powering_up 상태입니다. CD를 바꾸려면 up(지금 적용) 또는 down(다음 부팅 시 적용) 상태여야 합니다.',
    );
    expect(expectKorean(e.hintText!)).toBe(
      'up 또는 down 상태가 될 때까지 기다린 뒤 명령을 다시 실행하십시오.',
    );
  });
  it('explains /iso and its arguments in Korean: help and a --sha256 that is not a checksum', async () => {
    await start();
    const help = await run('help');
    if (help.kind !== 'view') throw new Error(`expected a view, got ${help.kind}`);
    const { view } = help;
    const texts = [
      view.title,
      ...view.sections.flatMap((s) => [...(s.heading ? [s.heading] : []), ...s.lines]),
    ];
    expect(texts.flatMap((t) => findLeaks(t))).toEqual([]);
    const lines = localizeView(view, 'ko').sections.flatMap((s) => s.lines);
    expect(
      lines.some(
        (l) => l.includes('/iso list') && l.includes('ISO 도메인과 데이터 도메인의 ISO 이미지와 크기'),
      ),
    ).toBe(true);
    expect(lines.some((l) => l.includes('ISO 삭제: 데이터 도메인의 디스크 또는 ISO 도메인의 파일'))).toBe(
      true,
    );

    const attachHelp = await run('attach help');
    if (attachHelp.kind !== 'view') throw new Error(`expected a view, got ${attachHelp.kind}`);
    const shown = JSON.stringify(localizeView(attachHelp.view, 'ko'));
    expect(shown).toContain('VM의 CD 드라이브에 ISO 넣기, 또는 그 ISO로 한 번 부팅 (--run-once)');
    expect(shown).toContain('/iso list에 나오는 ISO');
    expect(shown).toContain('CD로 부팅해 VM을 한 번 시작 (VM이 down 상태여야 함)');
    const attachTexts = attachHelp.view.sections.flatMap((s) => [
      ...(s.heading ? [s.heading] : []),
      ...s.lines,
    ]);
    expect(attachTexts.flatMap((t) => findLeaks(t))).toEqual([]);

    const bad = error(await run(`upload ${source.url('/alma9.iso')} --sha256 xyz`));
    expect(bad.code).toBe('USAGE');
    expect(bad.details.join('\n')).toContain('must be a SHA-256 checksum: 64 hex digits');
    const problems = bad.detailTexts.map((t) => renderText('ko', t)).join('\n');
    expect(problems).toContain('SHA-256 체크섬(16진수 64자리)이어야 합니다');
    expect([bad.text, ...bad.detailTexts].flatMap((t) => findLeaks(t))).toEqual([]);
    expect(renderText('ko', bad.text)).toBe('/iso upload: 인자에 문제가 1개 있습니다.');

    const badVm = error(await run('attach web_1/x alma9.iso'));
    expect(badVm.detailTexts.map((t) => renderText('ko', t)).join('\n')).toContain('VM 이름이어야 합니다');
    const badName = error(await run(`upload ${source.url('/alma9.iso')} --name ../x.iso`));
    expect(renderText('ko', badName.detailTexts[0]!)).toBe(
      '--name: 영문자, 숫자, ".", "_", "+", "-"로 된 파일 이름이어야 합니다',
    );
    expect([...badVm.detailTexts, ...badName.detailTexts].flatMap((t) => findLeaks(t))).toEqual([]);
  });
});
