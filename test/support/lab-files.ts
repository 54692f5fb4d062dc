import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a lab file needs of a simulator running apart: its engine's address, user and CA. */
export interface SimulatedEngine {
  baseUrl: string;
  user: string;
  caFile: string;
}

/** One lab of a several-lab file, as the replicas' test and bench need it. */
export interface SimulatedLabEntry {
  engine: SimulatedEngine;
  approvers: readonly string[];
  channel: string;
}

/**
 * Writes `dir/lab.yml` with lab1, lab2, … on their simulators, their machines named apart and every
 * address loopback (127.0.N.x); secrets come from LABN_ENGINE_PASSWORD and LABN_SSH_PASSWORD.
 * Answers the file's path.
 */
export function writeSimulatedLabsFile(dir: string, labs: readonly SimulatedLabEntry[]): string {
  const lab = (n: number, { engine, approvers, channel }: SimulatedLabEntry) => `
  lab${n}:
    engine:
      url: ${engine.baseUrl}
      user: ${engine.user}
      password_env: LAB${n}_ENGINE_PASSWORD
      ca_file: ${engine.caFile}
    ssh_password_env: LAB${n}_SSH_PASSWORD
    hosts:
      - name: hyper1
        address: 127.0.${n}.11
      - name: hyper2
        address: 127.0.${n}.12
    storage:
      server:
        name: storage
        address: 127.0.${n}.10
      exports:
        - name: data
          path: /export/data
        - name: iso
          path: /export/iso
    baseline:
      storage_domains:
        - name: nfs-data
          type: data
          export: data
        - name: nfs-iso
          type: iso
          export: iso
      hosts: [hyper1, hyper2]
    policy:
      approvers: [${approvers.map((u) => `slack:${u}`).join(', ')}]
      channels: [${channel}]
`;
  const path = join(dir, 'lab.yml');
  writeFileSync(path, `labs:${labs.map((entry, i) => lab(i + 1, entry)).join('')}`);
  return path;
}
