import { describe, expect, it } from 'vitest';
import { plainStyle, renderProgressBar, renderView, sanitizeForTerminal } from '../../src/shell/render.js';

describe('terminal rendering', () => {
  it('never lets remote text drive the terminal', () => {
    expect(sanitizeForTerminal('ok\x1b[2J\x07done\tend')).toBe('ok^[[2J^Gdone\tend');
    expect(sanitizeForTerminal('\x9b31m')).toBe('^[31m');
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
