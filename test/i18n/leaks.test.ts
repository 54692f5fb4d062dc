import { describe, expect, expectTypeOf, it } from 'vitest';
import { msg, type Text, verbatim } from '../../src/i18n/text.js';
import { findLeaks } from '../support/i18n-leaks.js';

describe('the check for text outside the catalog', () => {
  it('passes catalog text with names, verbatim output and numbers', () => {
    expect(findLeaks(msg('common.error.hint', { hint: 'hyper1' }))).toEqual([]);
    expect(
      findLeaks(
        msg('common.error.unexpected', {
          message: verbatim('connect ECONNREFUSED 127.0.0.1:22 from the host'),
        }),
      ),
    ).toEqual([]);
    expect(findLeaks(verbatim('qemu-img create -f raw data.img 50G'))).toEqual([]);
  });

  it('reports an English sentence reaching a reader as a plain value, and passes it only marked verbatim', () => {
    // A plain string is no longer a text: it reaches a reader only as a message's value.
    expectTypeOf<string>().not.toExtend<Text>();
    expect(findLeaks(msg('common.error.hint', { hint: 'The host is in maintenance.' }))).toEqual([
      'English value: The host is in maintenance.',
    ]);
    // Verbatim is the code saying "shown as is in every language" (machine output, what a person typed).
    expect(findLeaks(verbatim('The host is in maintenance.'))).toEqual([]);
    expect(findLeaks(msg('common.error.hint', { hint: verbatim('The host is in maintenance.') }))).toEqual(
      [],
    );
  });

  it('reports English prose passed to a message as a value', () => {
    expect(findLeaks(msg('common.error.hint', { hint: 'wait for the job to finish' }))).toEqual([
      'English value: wait for the job to finish',
    ]);
    // A message given as the value is checked as catalog text, not as a value.
    expect(findLeaks(msg('common.error.hint', { hint: msg('common.error.hint', { hint: 'x' }) }))).toEqual(
      [],
    );
  });

  it('does not take a command in backticks for prose', () => {
    expect(findLeaks(msg('common.error.hint', { hint: '`/host maintenance hyper1 --reason now`' }))).toEqual(
      [],
    );
  });
});
