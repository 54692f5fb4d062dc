import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import { fetchEngineCa } from './engine/pki.js';
import { LabopsError } from './errors.js';

export interface FetchCaOptions {
  engineUrl: string;
  /** Where lab.yml's engine.ca_file points. */
  caFile: string;
  /** Trust without asking (scripts); a terminal is asked instead. */
  yes: boolean;
  input: Readable;
  output: Writable;
  interactive: boolean;
}

/**
 * `npm start -- --fetch-engine-ca`: fetches the engine CA, shows its fingerprint for comparison with
 * the engine's own, and writes it to engine.ca_file once confirmed. An existing file is never
 * overwritten with a different CA. Answers the exit status.
 */
export async function runFetchEngineCa(options: FetchCaOptions): Promise<number> {
  const ca = await fetchEngineCa(options.engineUrl);
  const say = (line: string) => options.output.write(`${line}\n`);
  say(`The engine at ${new URL(options.engineUrl).origin} publishes this CA:`);
  say(`  subject:     ${ca.subject.replace(/\n/g, ', ')}`);
  say(`  SHA-256:     ${ca.fingerprint256}`);
  say(`  valid until: ${ca.validTo}`);
  say('Compare it on the engine: openssl x509 -in /etc/pki/ovirt-engine/ca.pem -noout -fingerprint -sha256');
  if (existsSync(options.caFile)) {
    if (readFileSync(options.caFile, 'utf8').trim() === ca.pem.trim()) {
      say(`${options.caFile} already holds this CA; nothing to do.`);
      return 0;
    }
    throw new LabopsError(
      'CONFLICT',
      `${options.caFile} holds a different CA; labops will not overwrite it.`,
      {
        hint: 'If the engine was reinstalled, move the old file aside after checking why the CA changed, then run this again.',
      },
    );
  }
  let trusted = options.yes;
  if (!trusted && options.interactive) {
    const rl = createInterface({ input: options.input, output: options.output });
    const answer = await rl.question(`Trust it and write ${options.caFile}? [y/N] `);
    rl.close();
    trusted = /^y(es)?$/i.test(answer.trim());
  }
  if (!trusted) {
    say(
      options.interactive
        ? 'Not trusted; nothing written.'
        : 'Not written: add --yes to trust it without a prompt.',
    );
    return 1;
  }
  writeFileSync(options.caFile, ca.pem, { mode: 0o644, flag: 'wx' });
  say(`Wrote ${options.caFile}.`);
  return 0;
}
