import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../approvals/policy.js';
import { findQuietEnd } from '../../src/duties/quiet-hours.js';
import { Reminders } from '../../src/duties/reminders.js';
import type { LabEvent } from '../../src/jobs/events.js';
import { Labs } from '../../src/labs.js';
import { createSilentLogger } from '../../src/log.js';
import { plainStyle, renderEvent } from '../../src/shell/render.js';
import { type CoreHarness, SIM_POLICY, shellCaller, startCore } from '../support/core.js';
import { expectCard } from '../support/dispatch.js';

const MINUTE = 60_000;
type Reminded = Extract<LabEvent, { type: 'approval:reminded' }>;

/** Cards wait 12 hours here (quiet hours are long); maintenance needs two approvers, so one may approve first. */
const POLICY: Policy = {
  ...SIM_POLICY,
  expiryMinutes: 12 * 60,
  remindAfterMinutes: 10,
  commands: { 'host maintenance': { risk: 'critical' } },
};

const dir = mkdtempSync(join(tmpdir(), 'labops-remind-'));
const operator = shellCaller('operator');

/** A bot over the SQLite file in `dir`: its labs (with their reminders) and what they remind. */
async function startBot(): Promise<{ core: CoreHarness; labs: Labs; reminded: Reminded[] }> {
  const core = await startCore({ policy: POLICY, dbDir: dir });
  const labs = new Labs({
    labs: [{ name: core.labops.lab.name, labops: core.labops, engine: core.composed.engine }],
    instructors: [],
    bindings: new Map(),
    store: core.store,
    bus: core.labops.bus,
    clock: () => core.clock.now,
    logger: createSilentLogger(),
  });
  const reminded: Reminded[] = [];
  core.labops.bus.subscribe((event) => {
    if (event.type === 'approval:reminded') reminded.push(event);
  });
  return { core, labs, reminded };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reminders', () => {
  it('reminds the undecided approvers once, and names the card N minutes later, across a restart', async () => {
    const first = await startBot();
    const card = expectCard(
      await first.core.labops.dispatch({ command: '/host', text: 'maintenance hyper1', caller: operator }),
    );
    const created = card.approval.createdAt;
    expect(await first.labs.reminders.tick(created + 10 * MINUTE - 1)).toEqual([]);
    // One approver already approved: never reminded; nor is the requester.
    await first.core.labops.click(card.approval.id, shellCaller('alice'), 'approve');
    expect(await first.labs.reminders.tick(created + 10 * MINUTE)).toEqual([
      { approvalId: card.approval.id, stage: 1, approvers: ['shell:bob', 'shell:carol'] },
    ]);
    expect(first.reminded.map((r) => [r.stage, r.approvers, r.waitedMs])).toEqual([
      [1, ['shell:bob', 'shell:carol'], 10 * MINUTE],
    ]);
    // The shell's line names them.
    expect(renderEvent(first.reminded[0]!, plainStyle)).toBe(
      `⏰ ${card.approval.id} (/host maintenance) has waited 10 min for a decision: reminded shell:bob, shell:carol.`,
    );
    expect(await first.labs.reminders.tick(created + 11 * MINUTE)).toEqual([]);
    await first.core.close();

    // A second bot on the same SQLite file: stage 1 is not sent again; stage 2 goes once.
    const second = await startBot();
    try {
      expect(await second.labs.reminders.tick(created + 12 * MINUTE)).toEqual([]);
      expect(await second.labs.reminders.tick(created + 20 * MINUTE - 1)).toEqual([]);
      expect(await second.labs.reminders.tick(created + 20 * MINUTE)).toEqual([
        { approvalId: card.approval.id, stage: 2, approvers: ['shell:bob', 'shell:carol'] },
      ]);
      expect(renderEvent(second.reminded[0]!, plainStyle)).toContain(
        'still waits for a decision after 20 min',
      );
      expect(await second.labs.reminders.tick(created + 60 * MINUTE)).toEqual([]);
      expect(second.reminded).toHaveLength(1);
      // Decided: its record goes at the next tick, and nothing more is sent.
      await second.core.labops.click(card.approval.id, shellCaller('bob'), 'deny');
      await second.labs.reminders.tick(created + 61 * MINUTE);
      expect(await second.core.store.readState(`remind:${card.approval.id}`)).toBeUndefined();

      // A card decided before its time, and one expired, are not reminded.
      const denied = expectCard(
        await second.core.labops.dispatch({ command: '/host', text: 'maintenance hyper2', caller: operator }),
      );
      await second.core.labops.click(denied.approval.id, shellCaller('alice'), 'deny');
      const expiring = expectCard(
        await second.core.labops.dispatch({ command: '/storage', text: 'detach nfs-iso', caller: operator }),
      );
      expect(await second.labs.reminders.tick(expiring.approval.expiresAt)).toEqual([]);
      await second.core.labops.flow.expireDue();
      expect(await second.labs.reminders.tick(expiring.approval.expiresAt + 20 * MINUTE)).toEqual([]);
      // Not leading (another replica leads): this one reminds nobody.
      const idle = new Reminders({
        store: second.core.store,
        bus: second.core.labops.bus,
        clock: () => second.core.clock.now,
        logger: createSilentLogger(),
        labs: () => [{ name: second.core.labops.lab.name, policy: POLICY }],
        leading: () => false,
      });
      const waiting = expectCard(
        await second.core.labops.dispatch({ command: '/host', text: 'maintenance hyper2', caller: operator }),
      );
      expect(await idle.tick(waiting.approval.createdAt + 30 * MINUTE)).toEqual([]);
      expect(second.reminded).toHaveLength(1);
      await second.core.labops.click(waiting.approval.id, shellCaller('alice'), 'deny');
    } finally {
      await second.core.close();
    }
  });

  it('waits for the end of the quiet hours, in the lab’s time zone, then N minutes more for stage 2; is off by default', async () => {
    const bot = await startBot();
    try {
      // 21:55 in Seoul: due at 22:05, inside 22:00-07:00.
      bot.core.clock.now = Date.parse('2026-11-28T12:55:00Z');
      const card = expectCard(
        await bot.core.labops.dispatch({ command: '/host', text: 'maintenance hyper1', caller: operator }),
      );
      const quiet = new Reminders({
        store: bot.core.store,
        bus: bot.core.labops.bus,
        clock: () => bot.core.clock.now,
        logger: createSilentLogger(),
        labs: () => [
          {
            name: bot.core.labops.lab.name,
            policy: POLICY,
            timeZone: 'Asia/Seoul',
            quietHours: '22:00-07:00',
          },
        ],
        leading: () => true,
      });
      const seven = Date.parse('2026-11-28T22:00:00Z');
      expect(findQuietEnd('22:00-07:00', 'Asia/Seoul', Date.parse('2026-11-28T13:05:00Z'))).toBe(seven);
      expect(await quiet.tick(Date.parse('2026-11-28T13:05:00Z'))).toEqual([]);
      expect(await quiet.tick(seven - 1)).toEqual([]);
      expect((await quiet.tick(seven)).map((r) => r.stage)).toEqual([1]);
      // Stage 2 is N minutes after stage 1 was sent, not at twice N from the card.
      expect(await quiet.tick(seven + 10 * MINUTE - 1)).toEqual([]);
      expect((await quiet.tick(seven + 10 * MINUTE)).map((r) => r.stage)).toEqual([2]);
      // Off by default: a policy without remind_after_minutes reminds nobody.
      const off = new Reminders({
        store: bot.core.store,
        bus: bot.core.labops.bus,
        clock: () => bot.core.clock.now,
        logger: createSilentLogger(),
        labs: () => [{ name: bot.core.labops.lab.name, policy: SIM_POLICY }],
        leading: () => true,
      });
      const other = expectCard(
        await bot.core.labops.dispatch({ command: '/host', text: 'maintenance hyper2', caller: operator }),
      );
      expect(await off.tick(other.approval.createdAt + 30 * MINUTE)).toEqual([]);
      await bot.core.labops.click(other.approval.id, shellCaller('alice'), 'deny');
      await bot.core.labops.click(card.approval.id, shellCaller('alice'), 'deny');
    } finally {
      await bot.core.close();
    }
  });
});
