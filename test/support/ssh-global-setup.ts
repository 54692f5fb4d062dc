import type { TestProject } from 'vitest/node';
import { type SshLab, startSshLab } from './ssh-lab.js';

/**
 * vitest global setup: one SSH lab for the whole run (ssh-harness.md: namespaces outlive a killed
 * run, so one lab per run, not one per worker). A lab that cannot start is handed to the SSH
 * tests as an error they fail with — the other tests still run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let lab: SshLab | undefined;
  try {
    lab = await startSshLab();
    project.provide('sshLab', lab.info);
  } catch (error) {
    project.provide('sshLab', { error: error instanceof Error ? error.message : String(error) });
  }
  return async () => {
    await lab?.stop();
  };
}
