import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabopsError } from '../errors.js';
import { createCertificates } from './ca.js';
import { EngineServer } from './engine-server.js';
import { ImageioDaemon } from './imageio.js';
import { createKnobs } from './knobs.js';
import { createEngineProfile, DEFAULT_ENGINE_VERSION } from './model/api-model.js';
import { Scheduler } from './scheduler.js';
import { createLab, resolveSeed } from './seed.js';
import { simText } from './sim-text.js';
import { createEngineSshPublicKey } from './ssh-key.js';
import { deriveTiming } from './timing.js';
import type { Simulator, SimulatorOptions } from './types.js';

export type * from './types.js';

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

/**
 * Starts the lab simulator (design.md "The lab simulator"): the seed lab of lab-guide.md behind an
 * engine REST API on HTTPS, an imageio daemon on its own port, and the simulated machines. Both
 * listeners use a CA made for this run; pass `caPem` (or `caFile`) to the client. It plays one
 * engine version (`engineVersion`, default 4.3.11) and refuses request members that version's API
 * model lacks, as the real engine does.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
    throw new LabopsError(
      'CONFIG',
      simText(`The simulator's time scale must be a positive number, not ${timeScale}.`),
    );
  }
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.test(host)) {
    throw new LabopsError('CONFIG', simText(`The simulator listens on loopback only, not on ${host}.`), {
      hint: simText('Use 127.0.0.1 (the default).'),
    });
  }
  const engineProfile = createEngineProfile(options.engineVersion ?? DEFAULT_ENGINE_VERSION);
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'labops-sim-')));
  const scheduler = new Scheduler(timeScale);
  let engine: EngineServer | undefined;
  const imageio = new ImageioDaemon();
  try {
    const certs = await createCertificates(dir, host);
    const user = options.user ?? 'admin@internal';
    const password = options.password ?? randomBytes(12).toString('base64url');
    const engineSshPublicKey = createEngineSshPublicKey();
    const seed = resolveSeed(options.seed);
    const lab = createLab(seed, scheduler, user, engineSshPublicKey, engineProfile);
    const tls = { key: certs.keyPem, cert: certs.certPem };
    const urlHost = host.includes(':') ? `[${host}]` : host;
    let enginePort = 0;
    let imageioPort = 0;
    engine = new EngineServer({
      model: lab.model,
      imageio,
      user,
      password,
      caPem: certs.caPem,
      engineSshPublicKey,
      tls,
      apiDependencies: {
        engineSshPublicKey,
        ensureMachine: lab.ensureMachine,
        transfers: {
          imageio,
          transferBaseUrl: () => `https://${urlHost}:${imageioPort}`,
          proxyBaseUrl: () => `https://${urlHost}:${enginePort}`,
        },
      },
    });
    imageioPort = await imageio.listen(host, tls);
    enginePort = await engine.listen(host);
    const baseUrl = `https://${urlHost}:${enginePort}`;
    const server = engine;
    let closed = false;
    return {
      engineVersion: engineProfile.version,
      baseUrl,
      apiUrl: `${baseUrl}/ovirt-engine/api`,
      caPem: certs.caPem,
      caFile: certs.caFile,
      user,
      password,
      engineSshPublicKey,
      seed,
      timing: deriveTiming(timeScale),
      knobs: createKnobs(lab.model, server, lab.machines),
      machines: lab.machines,
      requests: server.requests,
      uploads: imageio.uploads,
      addMachine: lab.ensureMachine,
      async close() {
        if (closed) return;
        closed = true;
        scheduler.close();
        await Promise.all([server.close(), imageio.close()]);
        if (ownDir) await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    scheduler.close();
    await Promise.all([engine?.close(), imageio.close()]);
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
