import { describe, expect, it } from 'vitest';
import { LabopsError } from '../../src/errors.js';
import type { Card } from '../../src/labops.js';
import { createPlan } from '../../src/plan.js';
import {
  plainStyle,
  renderCard,
  renderError,
  renderProgressBar,
  renderView,
  sanitizeForTerminal,
} from '../../src/shell/render.js';

const NOW = Date.parse('2026-11-28T10:00:00Z');

describe('terminal rendering', () => {
  it('never lets remote text drive the terminal', () => {
    expect(sanitizeForTerminal('ok\x1b[2J\x07done\tend')).toBe('ok^[[2J^Gdone\tend');
    expect(sanitizeForTerminal('nul\x00 del\x7f')).toBe('nul^@ del^?');
  });

  it('shows C1 controls, direction marks and new lines instead of obeying them', () => {
    expect(sanitizeForTerminal('\x9b31m')).toBe('<U+009B>31m');
    expect(sanitizeForTerminal('next\x85line')).toBe('next<U+0085>line');
    expect(sanitizeForTerminal('invoice\u202Efdp.exe')).toBe('invoice<U+202E>fdp.exe');
    for (const mark of [
      '\u202A',
      '\u202B',
      '\u202C',
      '\u202D',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
      '\u200E',
      '\u200F',
      '\u061C',
    ]) {
      expect(sanitizeForTerminal(`a${mark}b`)).toBe(
        `a<U+${mark.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>b`,
      );
    }
    expect(sanitizeForTerminal('one\ntwo\r\u2028three')).toBe('one^Jtwo^M<U+2028>three');
    expect(sanitizeForTerminal('one\ntwo', { newlines: true })).toBe('one\ntwo');
  });

  it('keeps every line of a card a line of the card: a summary cannot add lines or reverse text', () => {
    const steps = [{ kind: 'k', title: 'Put hyper1 into maintenance', params: {} }];
    const card = {
      job: {
        id: 'job-1',
        command: 'host maintenance',
        text: 'maintenance hyper1 --reason x',
        requester: 'shell:mallory',
      },
      approval: {
        id: 'a1',
        risk: 'destructive',
        required: 1,
        eligible: ['shell:alice', 'shell:mallory'],
        requester: 'shell:mallory',
        expiresAt: NOW + 15 * 60_000,
        decisions: [],
      },
      plan: createPlan({
        summary: 'Put hyper1 into maintenance (patch)\n│ ✔ READ-ONLY — safe to approve',
        risk: 'destructive',
        riskReasons: ['web1 \u202Eevil'],
        impact: ['\x1b[32mweb1 → hyper2'],
        steps,
      }),
    } as unknown as Card;
    const text = renderCard(card, NOW, plainStyle);
    const lines = text.split('\n');
    expect(lines.every((l) => /^[┌│└]/.test(l))).toBe(true);
    expect(text).toContain('(patch)^J│ ✔ READ-ONLY');
    expect(text).toContain('web1 <U+202E>evil');
    expect(text).toContain('^[[32mweb1 → hyper2');
    for (const raw of ['\u202E', '\x1b', '\x85']) expect(text).not.toContain(raw);
  });

  it('keeps the lines of an error, which labops lays out itself, and sanitises each', () => {
    const text = renderError(new LabopsError('USAGE', 'bad \u202Ename', { hint: 'Usage: /x' }), plainStyle);
    expect(text.split('\n')[0]).toBe('✘ bad <U+202E>name');
    expect(text).toContain('Usage: /x');
  });

  it('draws a progress bar that stays within its width', () => {
    expect(renderProgressBar(0.5, '512 MiB of 1 GiB', 10)).toBe('[█████░░░░░] 50%  512 MiB of 1 GiB');
    expect(renderProgressBar(2, 'x', 4)).toBe('[████] 100%  x');
    expect(renderProgressBar(-1, 'x', 4)).toBe('[░░░░] 0%  x');
  });

  it('prints a view state first, then its sections', () => {
    const text = renderView(
      {
        title: 'Hosts',
        state: { text: '2 of 2 up', tone: 'ok' },
        sections: [{ heading: 'Cluster', lines: ['hyper1  up'] }],
        footer: 'more',
      },
      plainStyle,
    );
    expect(text.split('\n')).toEqual(['Hosts', '2 of 2 up', 'Cluster', '  hyper1  up', 'more']);
  });
});
