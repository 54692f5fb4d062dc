import { describe, expect, it } from 'vitest';
import { createPlan } from '../src/plan.js';

describe('createPlan', () => {
  it('leaves every list and the state it depends on empty when a plan names only its summary and risk', () => {
    expect(createPlan({ summary: 'Do nothing', risk: 'change' })).toEqual({
      summary: 'Do nothing',
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
    const step = { kind: 'k', title: 'One step', params: {} };
    const plan = createPlan({ summary: 's', risk: 'critical', locks: ['lab'], steps: [step], preview: true });
    expect(plan).toMatchObject({ locks: ['lab'], steps: [step], preview: true, warnings: [] });
    createPlan({ summary: 's', risk: 'change' }).warnings.push('mine');
    expect(createPlan({ summary: 's', risk: 'change' }).warnings).toEqual([]);
  });
});
