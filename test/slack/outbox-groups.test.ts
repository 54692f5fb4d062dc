import type { WebClient } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/log.js';
import { Outbox } from '../../src/slack/outbox.js';

/** A Web API client that records each call and answers at once. */
function createRecordingClient() {
  const calls: { method: string; channel: string; text: string }[] = [];
  let ts = 0;
  const client = {
    apiCall: async (method: string, args: { channel: string; text: string }) => {
      calls.push({ method, channel: args.channel, text: args.text });
      return { ok: true, channel: args.channel, ts: String(++ts) };
    },
  } as unknown as WebClient;
  return { client, calls };
}

const LIMITS = {
  updatesPerWindow: 50,
  updateWindowMs: 600,
  postIntervalMs: 10,
  postBurst: 3,
  publishesPerWindow: 100,
  publishWindowMs: 600,
};

describe('a card group larger than the card lane’s bucket (issue 17 §2)', () => {
  it('sends every copy and the job’s last progress edit, in turns', async () => {
    const { client, calls } = createRecordingClient();
    const outbox = new Outbox({ client, limits: LIMITS, logger: createSilentLogger(), liveUpdateMs: 20 });
    // The channel's card, eleven approvers' direct-message copies and the job's progress message.
    const copies = Array.from({ length: 12 }, (_, i) =>
      outbox.message(`card:${i}`, {
        channel: `D${i}`,
        lane: 'card',
        priority: 0,
        group: 'job-1',
        ref: { channel: `D${i}`, ts: `1.${i}` },
      }),
    );
    const progress = outbox.message('progress:job-1', {
      channel: 'C1',
      lane: 'progress',
      priority: 4,
      group: 'job-1',
      ref: { channel: 'C1', ts: '2.0' },
    });
    for (const copy of copies) copy.set({ text: 'SUCCEEDED', blocks: [] }, { final: true });
    progress.set({ text: 'all steps done', blocks: [] }, { final: true, lane: 'card' });
    await progress.whenDelivered();
    await outbox.idle();
    const edited = new Set(calls.filter((c) => c.method === 'chat.update').map((c) => c.channel));
    expect([...edited].sort()).toEqual([...copies.map((c) => c.init.channel), 'C1'].sort());
    await outbox.close();
  });
});
