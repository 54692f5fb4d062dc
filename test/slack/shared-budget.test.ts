import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/log.js';
import { SLACK_LIMITS, scaleLimits } from '../../src/slack/limits.js';
import { Outbox } from '../../src/slack/outbox.js';
import { createWebClient } from '../../src/slack/web.js';
import { openStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { SlackApiStandIn } from '../support/slack-api.js';

/** Slack's limits a twentieth as long: one post per 50 ms per channel, a burst of 3. */
const FACTOR = 0.05;

let dir: string;
let store: Store;
let api: SlackApiStandIn;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labops-budget-'));
  store = openStore({ path: join(dir, 'labops.db') });
  api = await SlackApiStandIn.start({ limits: scaleLimits(SLACK_LIMITS, FACTOR) });
  api.addChannel('C0LAB', ['U0A']);
});
afterEach(async () => {
  await api.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** One replica's outbox; with `shared`, it takes its calls from the budget in the store. */
function replicaOutbox(shared: boolean): Outbox {
  const logger = createSilentLogger();
  const client = createWebClient({
    botToken: 'xoxb-test',
    apiUrl: api.apiUrl,
    logger,
    retries: 0,
    timeoutMs: 5000,
  });
  return new Outbox({
    client,
    limits: scaleLimits(SLACK_LIMITS, FACTOR),
    logger,
    liveUpdateMs: 0,
    maxRateLimitRetries: 20,
    ...(shared
      ? {
          budget: (bucket, capacity, intervalMs) =>
            store.takeSlackToken(bucket, capacity, intervalMs, Date.now()),
        }
      : {}),
  });
}

/** Each replica posts `count` messages to one channel at once. */
async function postFromBoth(a: Outbox, b: Outbox, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    a.message(`a${i}`, { channel: 'C0LAB', lane: 'progress', priority: 5 }).set({
      text: `a${i}`,
      blocks: [],
    });
    b.message(`b${i}`, { channel: 'C0LAB', lane: 'progress', priority: 5 }).set({
      text: `b${i}`,
      blocks: [],
    });
  }
  await Promise.all([a.idle(), b.idle()]);
}

describe('the Slack budget replicas share (issue 14 §3)', () => {
  it('keeps two replicas posting to one channel within Slack’s limit together', async () => {
    const [a, b] = [replicaOutbox(true), replicaOutbox(true)];
    await postFromBoth(a, b, 8);
    expect(api.messages('C0LAB')).toHaveLength(16);
    expect(api.rateLimited).toBe(0);
    await Promise.all([a.close(), b.close()]);
  });

  it('is what keeps them there: each alone within its limit, the two together are rate-limited', async () => {
    const [a, b] = [replicaOutbox(false), replicaOutbox(false)];
    await postFromBoth(a, b, 8);
    expect(api.messages('C0LAB')).toHaveLength(16);
    expect(api.rateLimited).toBeGreaterThan(0);
    await Promise.all([a.close(), b.close()]);
  });
});
