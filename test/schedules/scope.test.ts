import { describe, expect, it } from 'vitest';
import { renderEnglish } from '../../src/i18n/render.js';
import { verbatim } from '../../src/i18n/text.js';
import type { Plan, StepSpec } from '../../src/plan.js';
import { describeScope, findScopeGrowth } from '../../src/schedules/scope.js';

function step(kind: string, params: Record<string, unknown>): StepSpec {
  return { kind, title: verbatim(`${kind} ${JSON.stringify(params)}`), params };
}

function planOf(steps: StepSpec[]): Plan {
  return {
    summary: verbatim('reset'),
    risk: 'critical',
    riskReasons: [],
    impact: [],
    warnings: [],
    blockers: [],
    locks: ['lab'],
    dependsOn: {},
    steps,
  };
}

describe('a scheduled run’s destructive scope', () => {
  it('covers the steps that only prepare an approved destructive step on the same target', () => {
    // Approved while spare was in maintenance: detach and remove it. By the run it is active again.
    const approved = describeScope(
      planOf([step('storage.detach', { domain: 'spare' }), step('storage.remove', { domain: 'spare' })]),
    );
    const drifted = planOf([
      step('storage.deactivate', { domain: 'spare' }),
      step('storage.detach', { domain: 'spare' }),
      step('storage.remove', { domain: 'spare' }),
    ]);
    expect(findScopeGrowth(approved, describeScope(drifted))).toEqual([]);

    // A host removed: putting it into maintenance first is the way there.
    const host = describeScope(planOf([step('host.remove', { hostName: 'hyper3' })]));
    const hostNow = planOf([
      step('host.deactivate', { hostName: 'hyper3' }),
      step('host.remove', { hostName: 'hyper3' }),
    ]);
    expect(findScopeGrowth(host, describeScope(hostNow))).toEqual([]);
  });

  it('still asks for a preparation on another target, or one with nothing approved after it', () => {
    const approved = describeScope(planOf([step('storage.remove', { domain: 'spare' })]));
    const grown = planOf([
      step('storage.deactivate', { domain: 'nfs-data' }),
      step('storage.remove', { domain: 'spare' }),
    ]);
    const reasons = findScopeGrowth(approved, describeScope(grown)).map((r) => renderEnglish(r));
    expect(reasons).toEqual([expect.stringContaining('storage.deactivate {"domain":"nfs-data"}')]);
    // Approved to detach only: a removal is more than was approved.
    const detachOnly = describeScope(planOf([step('storage.detach', { domain: 'spare' })]));
    const removal = planOf([
      step('storage.detach', { domain: 'spare' }),
      step('storage.remove', { domain: 'spare' }),
    ]);
    expect(findScopeGrowth(detachOnly, describeScope(removal))).toHaveLength(1);
  });
});
