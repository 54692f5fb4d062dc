import { afterEach, describe, expect, it } from 'vitest';
import {
  hasMember,
  KNOWN_MODELS,
  parseEngineVersion,
  REQUEST_TYPES,
  type RequestType,
  resolveApiLevel,
} from '../../src/engine/versions.js';
import { loadApiModel } from '../../src/sim/model/api-model.js';
import type { SimEngineVersion } from '../../src/sim/types.js';
import { type CoreHarness, shellCaller, startCore } from '../support/core.js';
import { expectView } from '../support/dispatch.js';
import { type SimLab, startSimLab } from '../support/engine.js';

const VERSIONS: SimEngineVersion[] = ['4.3.11', '4.4.10'];

let lab: SimLab | undefined;
let core: CoreHarness | undefined;
afterEach(async () => {
  await lab?.close();
  await core?.close();
  lab = undefined;
  core = undefined;
});

describe("the client's request table", () => {
  it.each(VERSIONS)('agrees with the official API model of engine %s, member by member', (version) => {
    const model = loadApiModel(version);
    const known = KNOWN_MODELS.find((k) => k.engine === version);
    expect(known?.model).toBe(model.tag);
    const level = resolveApiLevel(parseEngineVersion({ full_version: `${version}.0` })!);
    for (const [type, members] of Object.entries(REQUEST_TYPES) as [RequestType, object][]) {
      for (const member of Object.keys(members)) {
        expect(hasMember(level, type, member), `${type}.${member} at ${version}`).toBe(
          model.hasField(type, member),
        );
      }
    }
  });
});

describe.each(VERSIONS)('against an engine %s', (version) => {
  it('reads the version at login and sends the image transfer body that version knows', async () => {
    lab = await startSimLab({ engineVersion: version });
    const level = await lab.client.getApiLevel();
    expect(level.warning).toBeUndefined();
    expect(level.model.engine).toBe(version);
    expect(`${level.version.major}.${level.version.minor}.${level.version.build}`).toBe(version);

    const data = await lab.client.findStorageDomain('nfs-data');
    const disk = await lab.client.createDisk({
      name: 'body.iso',
      sizeBytes: 1024 * 1024,
      storageDomainId: data.id,
      contentType: 'iso',
    });
    await lab.client.waitForDiskStatus(disk.id, ['ok']);
    const transfer = await lab.client.createImageTransfer(disk.id);
    // 4.3 links the disk as `image`, 4.4 as `disk`: either way the client finds it.
    expect(transfer.diskId).toBe(disk.id);

    const sent = lab.sim.requests.find((r) => r.method === 'POST' && r.url.endsWith('/imagetransfers'));
    expect(sent?.status).toBe(201);
    if (version === '4.3.11') {
      expect(sent?.body).toEqual({ disk: { id: disk.id }, direction: 'upload', inactivity_timeout: '120' });
    } else {
      expect(sent?.body).toEqual({
        disk: { id: disk.id },
        direction: 'upload',
        inactivity_timeout: '120',
        format: 'raw',
        timeout_policy: 'cancel',
      });
    }
    await lab.client.cancelImageTransfer(transfer.id);
  });

  it('shows the engine version in /lab status', async () => {
    core = await startCore({ sim: { engineVersion: version } });
    const result = await core.labops.dispatch({
      command: '/lab',
      text: 'status',
      caller: shellCaller('operator'),
    });
    const engine = expectView(result).sections.find((s) => s.heading === 'Engine');
    const model = KNOWN_MODELS.find((k) => k.engine === version)?.model;
    expect(engine?.lines).toEqual([
      expect.stringMatching(
        new RegExp(`^oVirt ${version.replaceAll('.', '\\.')}\\.\\d+ \\(API model ${model}\\)$`),
      ),
    ]);
  });
});
