import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEngineFailure } from '../../src/engine/faults.js';
import {
  ActionResultSchema,
  collectionOf,
  DataCenterSchema,
  DiskSchema,
  EventSchema,
  HostSchema,
  ImageTransferSchema,
  JobSchema,
  SsoTokenSchema,
  StorageDomainSchema,
} from '../../src/engine/schemas.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'engine');
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(dir, name), 'utf8'));

describe('the client reads every example shape of ovirt-api.md §8', () => {
  it('1: an SSO token', () => {
    expect(SsoTokenSchema.parse(fixture('01-sso-token.json')).access_token).toBe('bvY7txV9ltmmRQ');
  });

  it('2: an SSO failure becomes an auth-style message', () => {
    const error = parseEngineFailure({
      method: 'POST',
      path: '/ovirt-engine/sso/oauth/token',
      status: 400,
      contentType: 'application/json',
      body: readFileSync(join(dir, '02-sso-failure.json'), 'utf8'),
    });
    expect(error.message).toContain("Cannot authenticate user 'admin@internal'");
    expect(error.message).not.toContain('..');
  });

  it('3: a plain fault keeps its detail', () => {
    const error = parseEngineFailure({
      method: 'POST',
      path: '/vms',
      status: 400,
      contentType: 'application/json',
      body: readFileSync(join(dir, '03-plain-fault.json'), 'utf8'),
    });
    expect(error.code).toBe('ENGINE_REJECTED');
    expect(error.message).toContain('Vm [name] required for add');
  });

  it('4: a 409 validation failure reads without its brackets', () => {
    const error = parseEngineFailure({
      method: 'DELETE',
      path: '/hosts/004',
      status: 409,
      contentType: 'application/json',
      body: readFileSync(join(dir, '04-action-validation-failure.json'), 'utf8'),
    });
    expect(error.status).toBe(409);
    expect(error.message).toBe(
      'The engine refused DELETE /hosts/004: Cannot remove Host. Host is operational. Please switch Host to Maintenance mode first.',
    );
  });

  it('5 and 6: action answers, complete and async', () => {
    expect(ActionResultSchema.parse(fixture('05-action-success.json'))).toMatchObject({
      status: 'complete',
      job: { id: '6a1e...' },
    });
    expect(ActionResultSchema.parse(fixture('06-async-action.json')).status).toBe('pending');
  });

  it('7 and 8: hosts, with string counts and the SPM flag', () => {
    const [host] = collectionOf('host', HostSchema).parse(fixture('07-host-collection.json'));
    expect(host).toMatchObject({
      name: 'hyper1',
      status: 'up',
      memory: 8371830784,
      spm: { status: 'spm', priority: 5 },
    });
    expect(host?.summary).toEqual({ active: 2, migrating: 0, total: 2 });
    const preparing = HostSchema.parse(fixture('08-host-preparing-for-maintenance.json'));
    expect(preparing.summary?.migrating).toBe(1);
  });

  it('9, 10 and 11: storage domains in the global and data-center views', () => {
    const unattached = StorageDomainSchema.parse(fixture('09-storage-domain-unattached.json'));
    expect(unattached).toMatchObject({
      status: 'unattached',
      master: false,
      available: 42949672960,
      data_centers: [],
    });
    const attached = StorageDomainSchema.parse(fixture('10-storage-domain-attached-global.json'));
    expect(attached.status).toBeUndefined();
    expect(attached.master).toBe(true);
    expect(attached.data_centers).toEqual([{ href: '/ovirt-engine/api/datacenters/001', id: '001' }]);
    expect(StorageDomainSchema.parse(fixture('11-storage-domain-dc-view.json')).status).toBe('active');
  });

  it('13: data centers, with a string version', () => {
    const [dc] = collectionOf('data_center', DataCenterSchema).parse(
      fixture('13-data-center-collection.json'),
    );
    expect(dc).toMatchObject({
      name: 'Default',
      status: 'up',
      local: false,
      version: { major: 4, minor: 7 },
    });
  });

  it('14: image transfers, with URLs only while transferring', () => {
    const ready = ImageTransferSchema.parse(fixture('14-image-transfer-transferring.json'));
    expect(ready).toMatchObject({
      phase: 'transferring',
      active: false,
      transferred: 0,
      disk: { id: '456' },
    });
    expect(ready.transfer_url).toMatch(/^https:/);
    const initializing = ImageTransferSchema.parse(fixture('14b-image-transfer-initializing.json'));
    expect(initializing.transfer_url).toBeUndefined();
  });

  it('15: an ISO disk with its domain behind the wrapper level', () => {
    const disk = DiskSchema.parse(fixture('15-iso-disk.json'));
    expect(disk).toMatchObject({ content_type: 'iso', provisioned_size: 1073741824, status: 'locked' });
    expect(disk.storage_domains.map((s) => s.id)).toEqual(['005']);
  });

  it('16: events with string index and code, epoch-ms time', () => {
    const [event] = collectionOf('event', EventSchema).parse(fixture('16-event-collection.json'));
    expect(event).toMatchObject({ index: 2, code: 31, correlation_id: '1e892ea9' });
    expect(event?.time?.toISOString()).toBe('2016-09-14T10:14:34.541Z');
  });

  it('17: jobs with epoch-ms times', () => {
    const job = JobSchema.parse(fixture('17-job.json'));
    expect(job.status).toBe('failed');
    expect(job.end_time?.getTime()).toBe(1481576849758);
  });

  it('20: an empty collection is an empty list', () => {
    expect(
      collectionOf('storage_domain', StorageDomainSchema).parse(fixture('20-empty-collection.json')),
    ).toEqual([]);
  });
});

describe('engine failures become errors a person can act on', () => {
  const failure = (status: number, body: string, contentType?: string) =>
    parseEngineFailure({ method: 'GET', path: '/hosts', status, contentType, body });

  it('an HTML page from a proxy names the page and says what to check', () => {
    const error = failure(
      502,
      '<html><head><title>502 Proxy Error</title></head><body>…</body></html>',
      'text/html',
    );
    expect(error.code).toBe('ENGINE_UNAVAILABLE');
    expect(error.message).toContain('The engine answered 502 (502 Proxy Error) to GET /hosts, an HTML page');
    expect(error.hint).toContain('ovirt-engine');
  });

  it('an empty 404 is NOT_FOUND', () => {
    expect(failure(404, '').code).toBe('NOT_FOUND');
  });

  it('an unresolved placeholder and continuation lines read as a sentence', () => {
    const error = failure(
      409,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the engine's own unresolved placeholder (ovirt-api.md §2.4)
      '{"fault":{"reason":"Operation Failed","detail":"[Cannot ${action} Storage. The relevant Storage Domain is inaccessible.\\n-Please handle Storage Domain issues and retry the operation.]"},"status":"failed"}',
      'application/json',
    );
    expect(error.message).toContain(
      'Cannot perform this action on Storage. The relevant Storage Domain is inaccessible. Please handle Storage Domain issues',
    );
  });

  it('a 500 with a JSON fault is ENGINE_UNAVAILABLE with the reason', () => {
    const error = failure(
      500,
      '{"reason":"Internal Error","detail":"NullPointerException"}',
      'application/json',
    );
    expect(error.code).toBe('ENGINE_UNAVAILABLE');
    expect(error.message).toContain('NullPointerException');
  });

  it('a 401 with an HTML body is an auth failure, not a crash', () => {
    expect(failure(401, '<html><body>Unauthorized</body></html>', 'text/html').code).toBe('ENGINE_AUTH');
  });
});
