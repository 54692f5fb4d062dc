import { describe, expect, it } from 'vitest';
import { msg, verbatim } from '../../src/i18n/text.js';
import type { LabEvent } from '../../src/jobs/events.js';
import { plainStyle } from '../../src/shell/render.js';
import { renderScheduleNotice as renderInShell } from '../../src/shell/render-schedule.js';
import { renderScheduleNotice as renderInSlack } from '../../src/slack/schedule-reporter.js';
import { readAll } from '../slack/read-blocks.js';

const notice: Extract<LabEvent, { type: 'schedule:notice' }> = {
  type: 'schedule:notice',
  lab: 'lab1',
  channel: 'CLAB',
  scheduleId: 'sch-1a2b',
  requester: 'slack:UOPER',
  text: msg('schedule.notice.doctorChanged', {
    id: 'sch-1a2b',
    since: verbatim('2026-11-28 12:00 Asia/Seoul'),
    added: 1,
    gone: 1,
  }),
  lines: [
    msg('schedule.notice.added', { finding: verbatim('The NFS service is not running on storage') }),
    msg('schedule.notice.gone', { finding: verbatim('hyper2 is non_responsive') }),
  ],
};

describe('a scheduled doctor’s changes', () => {
  it('read in Slack as a sentence and a line per finding, in the lab’s language', () => {
    const en = renderInSlack(notice, { locale: 'en', timeZone: 'Asia/Seoul' });
    expect(en.text).toContain(
      'Schedule sch-1a2b: /lab doctor found changes since 2026-11-28 12:00 Asia/Seoul',
    );
    expect(readAll(en.blocks as never)).toContain('New: The NFS service is not running on storage');
    expect(readAll(en.blocks as never)).toContain('Gone: hyper2 is non_responsive');
    const ko = renderInSlack(notice, { locale: 'ko', timeZone: 'Asia/Seoul' });
    expect(ko.text).toContain('새 문제 1개, 사라진 문제 1개');
  });

  it('read in the shell the same way, the lab named among several', () => {
    const text = renderInShell(notice, 0, plainStyle, { locale: 'en', timeZone: 'Asia/Seoul' }, 'lab1');
    expect(text.split('\n')).toEqual([
      '[lab1] Schedule sch-1a2b: /lab doctor found changes since 2026-11-28 12:00 Asia/Seoul: 1 new problem, 1 gone.',
      '  New: The NFS service is not running on storage',
      '  Gone: hyper2 is non_responsive',
    ]);
  });
});
