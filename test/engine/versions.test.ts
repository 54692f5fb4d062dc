import { describe, expect, it } from 'vitest';
import {
  checkRequest,
  hasMember,
  isVersionDependent,
  parseEngineVersion,
  resolveApiLevel,
  takesBodyMember,
} from '../../src/engine/versions.js';
import { renderText } from '../../src/i18n/render.js';
import { verbatim } from '../../src/i18n/text.js';

const level = (full: string) => {
  const version = parseEngineVersion({ full_version: full });
  if (!version) throw new Error(`unparsable ${full}`);
  return resolveApiLevel(version);
};

describe('the engine version', () => {
  it('is read from major, minor, build and revision, the full version only filling gaps', () => {
    expect(
      parseEngineVersion({ major: 4, minor: 3, build: 11, revision: 4, full_version: '4.3.11.4-1.el7' }),
    ).toEqual({ major: 4, minor: 3, build: 11, revision: 4, full: '4.3.11.4-1.el7' });
    expect(parseEngineVersion({ full_version: '4.4.10.7-1.el8' })).toMatchObject({
      major: 4,
      minor: 4,
      build: 10,
      revision: 7,
    });
    expect(parseEngineVersion({ major: 4, minor: 5 })).toMatchObject({ build: 0, revision: 0 });
    expect(parseEngineVersion({ full_version: 'unknown' })).toBeUndefined();
    expect(parseEngineVersion(undefined)).toBeUndefined();
  });

  it('selects its own model for 4.3 and 4.4 with no warning', () => {
    expect(level('4.3.11.4').model.model).toBe('4.3.31');
    expect(level('4.3.11.4').warning).toBeUndefined();
    expect(level('4.4.10.7').model.model).toBe('4.4.35');
    expect(level('4.4.10.7').warning).toBeUndefined();
  });

  it('warns once for a version older or newer than the table, using the nearest model', () => {
    const old = level('4.2.8.2-1.el7');
    expect(old.model.model).toBe('4.3.31');
    expect(renderText('en', old.warning ?? verbatim(''))).toMatch(/4\.2\.8\.2.*older.*built for 4\.3/);
    expect(renderText('ko', old.warning ?? verbatim(''))).toBe(
      '엔진이 oVirt 4.2.8.2-1.el7을(를) 실행 중이며, labops가 아는 버전(4.3, 4.4)보다 오래되었습니다. 요청은 4.3 기준으로 만들어지므로 일부는 실패할 수 있습니다. 엔진을 4.3.11 이상으로 업그레이드하세요.',
    );
    const newer = level('4.5.4-1.el8');
    expect(newer.model.model).toBe('4.4.35');
    expect(renderText('en', newer.warning ?? verbatim(''))).toMatch(/4\.5\.4.*newer.*4\.4\.10/);
    expect(hasMember(newer, 'ImageTransfer', 'timeout_policy')).toBe(true);
  });
});

describe('the request table', () => {
  const transfer = (body: Record<string, unknown>) => ({ method: 'POST', path: '/imagetransfers', body });

  it('knows timeout_policy only from 4.4.5', () => {
    expect(hasMember(level('4.3.11.4'), 'ImageTransfer', 'timeout_policy')).toBe(false);
    expect(hasMember(level('4.4.4.7'), 'ImageTransfer', 'timeout_policy')).toBe(false);
    expect(hasMember(level('4.4.5.1'), 'ImageTransfer', 'timeout_policy')).toBe(true);
    expect(hasMember(level('4.4.10.7'), 'ImageTransfer', 'timeout_policy')).toBe(true);
  });

  it('refuses, before sending, a body member the engine version lacks', () => {
    const body = { disk: { id: 'd' }, direction: 'upload', timeout_policy: 'cancel' };
    expect(() => checkRequest(level('4.3.11.4'), transfer(body))).toThrow(
      /ImageTransfer\.timeout_policy is not a member of ImageTransfer in engine 4\.3\.11/,
    );
    expect(() => checkRequest(level('4.4.10.7'), transfer(body))).not.toThrow();
    expect(() =>
      checkRequest(
        level('4.3.11.4'),
        transfer({ disk: { id: 'd' }, direction: 'upload', inactivity_timeout: '120' }),
      ),
    ).not.toThrow();
  });

  it('checks nested members and list wrappers at any depth', () => {
    const disk = (storage: unknown) => ({
      method: 'POST',
      path: '/disks',
      body: { name: 'x.iso', storage_domains: storage },
    });
    expect(() => checkRequest(level('4.3.11.4'), disk({ storage_domain: [{ id: 'sd' }] }))).not.toThrow();
    expect(() => checkRequest(level('4.3.11.4'), disk({ storage_domain: [{ id: 'sd', bogus: 1 }] }))).toThrow(
      /Disk\.storage_domains\.bogus/,
    );
    expect(() => checkRequest(level('4.3.11.4'), disk([{ id: 'sd' }]))).toThrow(/wrapped/);
    const start = {
      method: 'POST',
      path: '/vms/v1/start',
      body: {
        vm: {
          os: { boot: { devices: { device: ['cdrom', 'hd'] } } },
          cdroms: { cdrom: [{ file: { id: 'a.iso' } }] },
        },
      },
    };
    expect(() => checkRequest(level('4.3.11.4'), start)).not.toThrow();
    expect(() => checkRequest(level('4.3.11.4'), { ...start, body: { use_ignition: true } })).toThrow(
      /use_ignition/,
    );
  });

  it('refuses a write it does not know and a parameter the method lacks', () => {
    expect(() => checkRequest(level('4.3.11.4'), { method: 'POST', path: '/vms', body: {} })).toThrow(
      /not in labops's table/,
    );
    expect(() =>
      checkRequest(level('4.3.11.4'), {
        method: 'DELETE',
        path: '/storagedomains/s1',
        query: { wipe: 'true' },
      }),
    ).toThrow(/no parameter "wipe"/);
    expect(() =>
      checkRequest(level('4.3.11.4'), {
        method: 'PUT',
        path: '/vms/v1/cdroms/c1',
        query: { current: 'true' },
        body: { file: { id: 'a.iso' } },
      }),
    ).not.toThrow();
  });

  it("follows the engine's code where it is stricter than the model: a floating disk's description from 4.4", () => {
    const update = { method: 'PUT', path: '/disks/d1', body: { description: 'labops upload: complete' } };
    expect(() => checkRequest(level('4.3.11.4'), update)).toThrow(
      /no Disk\.description before engine 4\.4\.0/,
    );
    expect(() => checkRequest(level('4.4.10.7'), update)).not.toThrow();
    expect(takesBodyMember(level('4.3.11.4'), 'PUT', '/disks/d1', 'description')).toBe(false);
    expect(takesBodyMember(level('4.4.0.1'), 'PUT', '/disks/d1', 'description')).toBe(true);
    expect(takesBodyMember(level('4.3.11.4'), 'POST', '/disks', 'description')).toBe(true);
  });

  it('lets plain reads go without waiting for the version', () => {
    expect(isVersionDependent({ method: 'GET', path: '/hosts' })).toBe(false);
    expect(isVersionDependent({ method: 'GET', path: '/vms/v1/cdroms/c1' })).toBe(true);
    expect(isVersionDependent({ method: 'DELETE', path: '/disks/d1' })).toBe(true);
  });
});
