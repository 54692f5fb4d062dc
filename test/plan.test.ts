import { describe, expect, it } from 'vitest';
import { verbatim } from '../src/i18n/text.js';
import { createPlan } from '../src/plan.js';

describe('createPlan', () => {
  it('leaves every list and the state it depends on empty when a plan names only its summary and risk', () => {
    expect(createPlan({ summary: verbatim('Do nothing'), risk: 'change' })).toEqual({
      summary: verbatim('Do nothing'),
      risk: 'change',
      riskReasons: [],
      impact: [],
      warnings: [],
      blockers: [],
      locks: [],
      dependsOn: {},
      steps: [],
    });
  });

  it('keeps what the plan names and gives each plan lists of its own', () => {
    const step = { kind: 'k', title: verbatim('One step'), params: {} };
    const plan = createPlan({
      summary: verbatim('s'),
      risk: 'critical',
      locks: ['lab'],
      steps: [step],
      preview: true,
    });
    expect(plan).toMatchObject({ locks: ['lab'], steps: [step], preview: true, warnings: [] });
    createPlan({ summary: verbatim('s'), risk: 'change' }).warnings.push(verbatim('mine'));
    expect(createPlan({ summary: verbatim('s'), risk: 'change' }).warnings).toEqual([]);
  });
});
