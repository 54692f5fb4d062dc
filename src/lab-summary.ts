import type { LabSummary } from './command.js';
import type { EngineClient } from './engine/engine-client.js';
import { toLabopsError } from './errors.js';
import type { Store } from './store/types.js';

/** How long `/lab list` waits for one lab's engine before it shows it as down. */
export const LAB_LIST_TIMEOUT_MS = 5000;

/** One lab's line of `/lab list`, read now: its engine's hosts and domains, its running jobs. */
export async function summarizeLab(
  lab: { name: string; dataCenter: string; simulated: boolean; engine: EngineClient; store: Store },
  options: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined } = {},
): Promise<LabSummary> {
  const { name, simulated } = lab;
  const jobs = await lab.store.listJobs({ lab: name, statuses: ['running', 'queued'] });
  const timeout = AbortSignal.timeout(options.timeoutMs ?? LAB_LIST_TIMEOUT_MS);
  const engine = lab.engine.withSignal(options.signal ? AbortSignal.any([timeout, options.signal]) : timeout);
  try {
    // A domain's status is its data center's view of it (ovirt-api.md): the attached list has it.
    const [hosts, domains] = await Promise.all([
      engine.listHosts(),
      engine.findDataCenterId(lab.dataCenter).then((id) => engine.listAttachedStorageDomains(id)),
    ]);
    return {
      name,
      engine: 'up',
      hostsUp: hosts.filter((h) => h.status === 'up').length,
      hosts: hosts.length,
      domainsActive: domains.filter((d) => d.status === 'active').length,
      domains: domains.length,
      jobsRunning: jobs.length,
      simulated,
    };
  } catch (error) {
    return { name, engine: 'down', reason: toLabopsError(error).text, jobsRunning: jobs.length, simulated };
  }
}
