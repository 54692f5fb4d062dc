import { describe, expect, it } from 'vitest';
import { chooseCdViews } from '../../commands/iso/attach.js';
import { isValidCdFileId } from '../../commands/iso/isos.js';
import { classifyDisk, isSameUpload, parseDiskMark, renderDiskMark } from '../../src/engine/disk-mark.js';
import { createUploadMeter, diskReadyTiming } from '../../src/engine/image-upload.js';
import type { Disk } from '../../src/engine/types.js';
import { DEFAULT_WAIT } from '../../src/engine/wait.js';
import { renderText } from '../../src/i18n/render.js';

const SHA = 'ab'.repeat(32);
const GiB = 1024 ** 3;

function disk(over: Partial<Disk> = {}): Disk {
  return {
    id: 'd1',
    name: 'alma9.iso',
    status: 'ok',
    contentType: 'iso',
    format: 'raw',
    provisionedBytes: 1000,
    actualBytes: 1000,
    storageDomainIds: ['sd1'],
    description: undefined,
    ...over,
  };
}

describe('the disk mark', () => {
  it('renders the incomplete and the complete mark and reads them back', () => {
    const incomplete = renderDiskMark({ state: 'incomplete', sizeBytes: 1000, jobId: 'job-1a2b' });
    expect(incomplete).toBe('labops upload: incomplete; size=1000; job=job-1a2b');
    expect(parseDiskMark(incomplete)).toEqual({
      state: 'incomplete',
      sizeBytes: 1000,
      sha256: undefined,
      jobId: 'job-1a2b',
    });
    const complete = renderDiskMark({ state: 'complete', sizeBytes: 1000, sha256: SHA, jobId: 'job-1a2b' });
    expect(complete).toBe(`labops upload: complete; size=1000; sha256=${SHA}; job=job-1a2b`);
    expect(parseDiskMark(complete)).toEqual({
      state: 'complete',
      sizeBytes: 1000,
      sha256: SHA,
      jobId: 'job-1a2b',
    });
  });

  it('reads no mark from other descriptions, and none from a damaged one', () => {
    for (const text of [
      undefined,
      '',
      'CentOS 7 install media',
      'labops upload: done; size=1',
      'labops upload: complete; size=1000',
      `labops upload: complete; size=1000; sha256=${SHA.slice(2)}`,
      'labops upload: incomplete; size=ten',
      'labops upload: incomplete; size=1; size=2',
      'labops upload: incomplete; job=job-1',
      'labops upload: incomplete; size=1; job=job 1',
    ]) {
      expect(parseDiskMark(text), String(text)).toBeUndefined();
    }
  });

  it('refuses to render a mark it could not read back', () => {
    expect(() => renderDiskMark({ state: 'complete', sizeBytes: 1 })).toThrow(/sha256/);
    expect(() => renderDiskMark({ state: 'incomplete', sizeBytes: -1 })).toThrow(/size/);
    expect(() => renderDiskMark({ state: 'incomplete', sizeBytes: 1, jobId: 'a;b' })).toThrow(/job id/);
  });
});

describe('which disk is the upload', () => {
  const complete = renderDiskMark({ state: 'complete', sizeBytes: 1000, sha256: SHA, jobId: 'job-a' });
  const incomplete = renderDiskMark({ state: 'incomplete', sizeBytes: 1000, jobId: 'job-a' });

  it('takes only an ok disk whose mark says complete, with the same size and sha256', () => {
    expect(classifyDisk(disk({ description: complete })).kind).toBe('complete');
    expect(isSameUpload(disk({ description: complete }), { sizeBytes: 1000 })).toBe(true);
    expect(isSameUpload(disk({ description: complete }), { sizeBytes: 1000, sha256: SHA })).toBe(true);
    expect(isSameUpload(disk({ description: complete }), { sizeBytes: 1000, sha256: 'cd'.repeat(32) })).toBe(
      false,
    );
    expect(isSameUpload(disk({ description: complete }), { sizeBytes: 999 })).toBe(false);
    expect(isSameUpload(disk({ description: complete, status: 'locked' }), { sizeBytes: 1000 })).toBe(false);
    expect(isSameUpload(disk({ description: complete, provisionedBytes: 2000 }), { sizeBytes: 1000 })).toBe(
      false,
    );
  });

  it('never takes a leftover, even one that turned ok, nor a disk labops did not make', () => {
    expect(isSameUpload(disk({ description: incomplete }), { sizeBytes: 1000 })).toBe(false);
    expect(classifyDisk(disk({ description: incomplete }))).toMatchObject({ kind: 'incomplete' });
    expect(classifyDisk(disk({ description: 'an ISO someone made' }))).toEqual({ kind: 'foreign' });
    expect(isSameUpload(disk({ description: undefined }), { sizeBytes: 1000 })).toBe(false);
  });

  it('on an engine that cannot update the mark, believes the job record of the job it names', () => {
    const statuses: Record<string, string> = { 'job-a': 'succeeded' };
    const lookup = (id: string) => statuses[id];
    expect(classifyDisk(disk({ description: incomplete }), lookup).kind).toBe('complete');
    // ... only for the disk as it checked it out.
    expect(classifyDisk(disk({ description: incomplete, status: 'locked' }), lookup).kind).toBe('incomplete');
    statuses['job-a'] = 'failed';
    const failed = classifyDisk(disk({ description: incomplete }), lookup);
    expect(failed.kind).toBe('incomplete');
    if (failed.kind !== 'incomplete') return;
    expect(renderText('en', failed.why)).toBe('its job job-a ended failed');
    expect(renderText('ko', failed.why)).toBe('작업 job-a이(가) failed 상태로 끝났습니다');
    statuses['job-a'] = 'running';
    expect(classifyDisk(disk({ description: incomplete }), lookup).kind).toBe('uploading');
    const unknown = classifyDisk(disk({ description: incomplete }), () => undefined);
    expect(unknown.kind === 'incomplete' && renderText('en', unknown.why)).toBe(
      'job job-a, which labops does not know, never marked it complete',
    );
  });
});

describe('upload timing', () => {
  it('counts the rate and the time left from the first byte sent, not from the step start', () => {
    const clock = { now: 0 };
    const meter = createUploadMeter(() => clock.now);
    // The disk took a minute to unlock and the transfer another before the first byte left.
    clock.now = 120_000;
    expect(meter({ sentBytes: 1 << 20, totalBytes: 11 << 20 })).toEqual({
      bytesPerSecond: undefined,
      leftMs: undefined,
    });
    clock.now = 122_000;
    const seen = meter({ sentBytes: 5 << 20, totalBytes: 11 << 20 });
    // 4 MiB in 2 s: 2 MiB/s (counted from the step start it would read 42 KiB/s) and 3 s left.
    expect(seen.bytesPerSecond).toBe(2 << 20);
    expect(seen.leftMs).toBe(3000);
  });

  it('gives a raw preallocated disk minutes per GiB to unlock', () => {
    expect(diskReadyTiming(DEFAULT_WAIT, 0).deadlineMs).toBe(180_000);
    expect(diskReadyTiming(DEFAULT_WAIT, 4 * GiB).deadlineMs).toBe(180_000 + 4 * 120_000);
    // Scaled with the wait it derives from (the simulator's fast timings).
    expect(diskReadyTiming({ ...DEFAULT_WAIT, deadlineMs: 360 }, GiB).deadlineMs).toBe(600);
  });
});

describe('where a CD change goes', () => {
  it('changes a running VM now, and its saved configuration too with --persist', () => {
    expect(chooseCdViews('web1', 'up', false)).toEqual({ views: ['current'], when: 'now' });
    expect(chooseCdViews('web1', 'up', true)).toEqual({ views: ['current', 'saved'], when: 'always' });
    expect(chooseCdViews('web1', 'down', false)).toEqual({ views: ['saved'], when: 'nextBoot' });
  });

  it('refuses a VM that is paused, migrating or between states, with the reason', () => {
    expect(() => chooseCdViews('web1', 'paused', false)).toThrow(/web1 is paused/);
    expect(() => chooseCdViews('web1', 'migrating', true)).toThrow(/web1 is migrating/);
    for (const status of ['powering_up', 'powering_down', 'reboot_in_progress', 'image_locked', 'unknown']) {
      expect(() => chooseCdViews('web1', status, false)).toThrow(`web1 is ${status}`);
    }
  });

  it('takes a disk id or a name ending in .iso as the CD file, as the engine does', () => {
    expect(isValidCdFileId('CentOS-7.iso')).toBe(true);
    expect(isValidCdFileId('CentOS-7.ISO')).toBe(true);
    expect(isValidCdFileId('0d5a5ac0-8c2f-4f3e-9b3b-3c1d2f0e9a11')).toBe(true);
    expect(isValidCdFileId('CentOS-7.img')).toBe(false);
    expect(isValidCdFileId('alma9')).toBe(false);
  });
});
