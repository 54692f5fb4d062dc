import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/service/metrics.js';
import { createLabRunner, getLabHost, useSshLab } from '../support/ssh-lab.js';

const lab = useSshLab();

/** `name{machine="…"} value` lines of one metric, by machine. */
async function readByMachine(metrics: ReturnType<typeof createMetrics>, name: string) {
  const text = (await metrics.render()).body;
  const values: Record<string, number> = {};
  for (const match of text.matchAll(new RegExp(`^${name}\\{machine="([^"]+)"\\} (\\S+)$`, 'gm'))) {
    values[match[1]!] = Number(match[2]);
  }
  return values;
}

describe('SSH connections in /metrics (issue 12 §4), against real sshd hosts', () => {
  it('counts connections opened, failed and open, one reused connection per machine', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const runner = await createLabRunner(lab(), { observe: metrics.observeSsh });
    const hyper1 = getLabHost(lab(), 'hyper1');
    const impostor = await createLabRunner(lab(), {
      observe: metrics.observeSsh,
      targets: [
        {
          machine: 'hyper1',
          host: hyper1.address,
          port: hyper1.port,
          user: 'root',
          hostKey: getLabHost(lab(), 'hyper2').fingerprint,
        },
      ],
    });
    try {
      expect((await runner.exec('hyper1', 'true')).exitCode).toBe(0);
      expect((await runner.exec('hyper1', 'true')).exitCode).toBe(0);
      expect((await runner.exec('storage', 'true')).exitCode).toBe(0);
      await expect(impostor.exec('hyper1', 'true')).rejects.toMatchObject({ code: 'SSH_FAILED' });

      expect(await readByMachine(metrics, 'labops_ssh_connections_opened_total')).toEqual({
        hyper1: 1,
        storage: 1,
      });
      expect(await readByMachine(metrics, 'labops_ssh_connections_open')).toEqual({ hyper1: 1, storage: 1 });
      expect(await readByMachine(metrics, 'labops_ssh_connections_failed_total')).toEqual({ hyper1: 1 });
    } finally {
      await impostor.close();
      await runner.close();
    }
    expect(await readByMachine(metrics, 'labops_ssh_connections_open')).toEqual({ hyper1: 0, storage: 0 });
  });
});
