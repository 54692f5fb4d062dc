import { describe, expect, it } from 'vitest';
import { msg, verbatim } from '../../src/i18n/text.js';
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

  it('reports a plain string that reached a reader', () => {
    expect(findLeaks('The host is in maintenance.')).toEqual(['plain text: The host is in maintenance.']);
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
