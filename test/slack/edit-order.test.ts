import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/log.js';
import { SLACK_LIMITS } from '../../src/slack/limits.js';
import { Outbox } from '../../src/slack/outbox.js';
import type { WebClient } from '../../src/slack/web.js';
import { openStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labops-edit-order-'));
  store = openStore({ path: join(dir, 'labops.db') });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const REF = { channel: 'C0LAB', ts: '1.000100' };

/**
 * One replica's outbox whose Slack answers `chat.update` after `delayMs`; what lands is noted in
 * `landed`. With `locked`, edits take the message's edit lock in the store the replicas share.
 */
function replica(name: string, delayMs: number, landed: string[], locked: boolean): Outbox {
  const client = {
    apiCall: async (_method: string, args: Record<string, unknown>) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      landed.push(String(args.text));
      return { ok: true };
    },
  } as unknown as WebClient;
  return new Outbox({
    client,
    limits: SLACK_LIMITS,
    logger: createSilentLogger(),
    liveUpdateMs: 0,
    ...(locked
      ? {
          editLock: async (key: string) => {
            while (!(await store.lead(`edit:${key}`, name, 10_000, Date.now()))) {
              await new Promise((resolve) => setTimeout(resolve, 5));
            }
            return async () => {
              await store.lead(`edit:${key}`, name, 0, Date.now());
            };
          },
        }
      : {}),
  });
}

/** Replica A edits the card slowly while the state changes and replica B edits it quickly. */
async function race(locked: boolean): Promise<string[]> {
  const landed: string[] = [];
  let state = 'awaiting approval';
  const draw = () => Promise.resolve({ text: `card: ${state}`, blocks: [] });
  const a = replica('r-a', 150, landed, locked);
  const b = replica('r-b', 5, landed, locked);
  const onA = a.message('card', { channel: REF.channel, lane: 'card', priority: 0, ref: REF });
  const onB = b.message('card', { channel: REF.channel, lane: 'card', priority: 0, ref: REF });
  onA.set(await draw(), { final: true, render: draw });
  await new Promise((resolve) => setTimeout(resolve, 20));
  state = 'succeeded';
  onB.set(await draw(), { final: true, render: draw });
  await Promise.all([a.idle(), b.idle()]);
  await Promise.all([a.close(), b.close()]);
  return landed;
}

describe('the order of a card’s edits across replicas (issue 14 §2)', () => {
  it('never lands an older edit after a newer one, whichever replica sends it', async () => {
    const landed = await race(true);
    expect(landed.at(-1)).toBe('card: succeeded');
    expect(landed).toEqual(['card: awaiting approval', 'card: succeeded']);
  });

  it('needs the lock: without it the slow replica’s older edit lands last', async () => {
    const landed = await race(false);
    expect(landed).toEqual(['card: succeeded', 'card: awaiting approval']);
  });
});
