import { describe, expect, it } from 'vitest';
import { mapLabLimits, mapLabPolicy } from '../../src/config/lab-policy.js';
import { LimitsSchema, PolicySchema } from '../../src/config/lab-schema.js';

describe("the lab file's policy as the approval policy reads it", () => {
  it('turns empty askers and channels into anyone and anywhere, and renames the keys', () => {
    const policy = mapLabPolicy(PolicySchema.parse({ approvers: ['slack:U0ALICE01'] }));
    expect(policy).toEqual({
      askers: 'anyone',
      channels: 'anywhere',
      approvers: ['slack:U0ALICE01'],
      expiryMinutes: 15,
      commands: {},
    });
  });

  it('keeps listed askers and channels, and maps each rule with only the fields it sets', () => {
    const policy = mapLabPolicy(
      PolicySchema.parse({
        askers: ['slack:S0LABUSERS', 'shell:operator'],
        approvers: ['slack:U0ALICE01'],
        channels: ['C0LABOPS01'],
        expiry_minutes: 30,
        commands: {
          'lab reset': { approvers: ['slack:S0LABADMIN'], expiry_minutes: 10 },
          'storage clean': { risk: 'critical' },
          'host status': { channels: ['C0LABOPS01', 'G0PRIVATE1'], askers: [] },
        },
      }),
    );
    expect(policy).toEqual({
      askers: ['slack:S0LABUSERS', 'shell:operator'],
      channels: ['C0LABOPS01'],
      approvers: ['slack:U0ALICE01'],
      expiryMinutes: 30,
      commands: {
        'lab reset': { approvers: ['slack:S0LABADMIN'], expiryMinutes: 10 },
        'storage clean': { risk: 'critical' },
        // A rule's empty list is kept: for one command it allows nobody.
        'host status': { channels: ['C0LABOPS01', 'G0PRIVATE1'], askers: [] },
      },
    });
    expect(Object.keys(policy.commands['storage clean'] ?? {})).toEqual(['risk']);
  });
});

describe("the lab file's limits", () => {
  it('are the plan deadline in milliseconds and the plans one person may have at once', () => {
    expect(mapLabLimits(LimitsSchema.parse({}))).toEqual({ planMs: 20_000, plansPerRequester: 2 });
    expect(mapLabLimits(LimitsSchema.parse({ plan_seconds: 7, plans_per_requester: 3 }))).toEqual({
      planMs: 7000,
      plansPerRequester: 3,
    });
  });
});
