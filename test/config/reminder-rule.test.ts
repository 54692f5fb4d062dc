import { describe, expect, it } from 'vitest';
import { validateLabRules } from '../../src/config/lab-rules.js';
import { renderText } from '../../src/i18n/render.js';

const lab = (policy: Record<string, unknown>) => ({ policy: { approvers: ['slack:U0BOB0001'], ...policy } });
const reminderProblems = (policy: Record<string, unknown>) =>
  validateLabRules(lab(policy), {}).filter((p) => p.path === 'policy.remind_after_minutes');

describe('policy.remind_after_minutes against the expiry (issue 15 §2)', () => {
  it('refuses a reminder no card would live to send, saying what to set', () => {
    const [problem, ...more] = reminderProblems({ remind_after_minutes: 15 });
    expect(more).toEqual([]);
    expect(problem?.message).toBe(
      'is 15 minutes, but a card expires after 15 minutes (expiry_minutes): no reminder would ever be sent — set it below, e.g. 5 (the second reminder comes twice as late)',
    );
    expect(renderText('ko', problem!.text)).toContain('15분이지만 카드는 15분 뒤에 만료됩니다');
    expect(reminderProblems({ remind_after_minutes: 90, expiry_minutes: 60 })[0]?.message).toContain(
      'expires after 60 minutes',
    );
  });

  it('accepts a reminder before the expiry, and no reminder at all', () => {
    expect(reminderProblems({ remind_after_minutes: 5 })).toEqual([]);
    expect(reminderProblems({ remind_after_minutes: 59, expiry_minutes: 60 })).toEqual([]);
    expect(reminderProblems({})).toEqual([]);
  });
});
