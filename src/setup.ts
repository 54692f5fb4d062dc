import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import { fetchEngineCa } from './engine/pki.js';
import { LabopsError } from './errors.js';
import { DEFAULT_LOCALE, type Locale } from './i18n/locale.js';
import { renderText } from './i18n/render.js';
import { type Message, msg, verbatim } from './i18n/text.js';

export interface FetchCaOptions {
  engineUrl: string;
  /** Where lab.yml's engine.ca_file points. */
  caFile: string;
  /** Trust without asking (scripts); a terminal is asked instead. */
  yes: boolean;
  input: Readable;
  output: Writable;
  interactive: boolean;
  /** The language of the lines printed (the shell's, else the lab's); English by default. */
  locale?: Locale | undefined;
}

/**
 * A yes to the prompt, in either language: y, yes, 예, 네 (escaped: a character past U+00FF in a
 * regular expression, which esbuild keeps as written, makes V8 keep all of dist/main.js at two
 * bytes a character; build test).
 */
const YES = /^(?:y(?:es)?|\uC608|\uB124)$/i;

/**
 * `npm start -- --fetch-engine-ca`: fetches the engine CA, shows its fingerprint for comparison with
 * the engine's own, and writes it to engine.ca_file once confirmed. An existing file is never
 * overwritten with a different CA. Answers the exit status.
 */
export async function runFetchEngineCa(options: FetchCaOptions): Promise<number> {
  const ca = await fetchEngineCa(options.engineUrl);
  const locale = options.locale ?? DEFAULT_LOCALE;
  const render = (text: Message) => renderText(locale, text);
  const say = (text: Message) => options.output.write(`${render(text)}\n`);
  const file = verbatim(options.caFile);
  say(msg('config.ca.publishes', { origin: verbatim(new URL(options.engineUrl).origin) }));
  // The certificate's own fields, as the engine's CA gives them.
  say(msg('config.ca.subject', { subject: verbatim(ca.subject.replace(/\n/g, ', ')) }));
  say(msg('config.ca.fingerprint', { fingerprint: verbatim(ca.fingerprint256) }));
  say(msg('config.ca.validUntil', { date: verbatim(ca.validTo) }));
  say(
    msg('config.ca.compare', {
      command: verbatim('openssl x509 -in /etc/pki/ovirt-engine/ca.pem -noout -fingerprint -sha256'),
    }),
  );
  if (existsSync(options.caFile)) {
    if (readFileSync(options.caFile, 'utf8').trim() === ca.pem.trim()) {
      say(msg('config.ca.alreadyHeld', { file }));
      return 0;
    }
    throw new LabopsError('CONFLICT', msg('config.ca.different', { file }), {
      hint: msg('config.ca.differentHint'),
    });
  }
  let trusted = options.yes;
  if (!trusted && options.interactive) {
    const rl = createInterface({ input: options.input, output: options.output });
    const answer = await rl.question(render(msg('config.ca.prompt', { file })));
    rl.close();
    trusted = YES.test(answer.trim());
  }
  if (!trusted) {
    say(options.interactive ? msg('config.ca.notTrusted') : msg('config.ca.needsYes'));
    return 1;
  }
  writeFileSync(options.caFile, ca.pem, { mode: 0o644, flag: 'wx' });
  say(msg('config.ca.wrote', { file }));
  return 0;
}
