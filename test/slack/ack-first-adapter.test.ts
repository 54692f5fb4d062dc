import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CHANNEL, type SlackHarness, startSlackHarness, U, until } from '../support/slack-harness.js';

let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the work after an ack, in HTTP mode (src/slack/ack-first.ts)', () => {
  it('waits while another request still waits for its ack, and answers once it has had it', async () => {
    // A long most, so that only the other request's ack can let the answer go.
    h = await startSlackHarness({ mode: 'http', timing: { ackFirstMaxMs: 60_000 } });
    const harness = h;
    const url = new URL(harness.eventsUrl!);
    // Another request arrives and has not yet sent all of its body: it waits for its ack.
    const slow = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve) => slow.once('connect', resolve));
    slow.write(
      `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n`,
    );
    const replies = () => harness.api.responses.map((r) => JSON.stringify(r.body));
    try {
      const answer = await harness.command(U.carol, '/lab', 'status', { channel: CHANNEL });
      expect(answer.status).toBe(200);
      // Acked at once; its answer (engine reads, then response_url) waits for the other's ack.
      await new Promise((r) => setTimeout(r, 300));
      expect(replies().filter((r) => r.includes('Lab status'))).toEqual([]);
      // The other request ends (its unsigned body refused): the lull comes, the answer goes.
      slow.end('x'.repeat(100));
      await until(() => replies().some((r) => r.includes('Lab status')), 'the status is answered');
    } finally {
      slow.destroy();
    }
  });

  it('answers a lone command without waiting for a most', async () => {
    h = await startSlackHarness({ mode: 'http', timing: { ackFirstMaxMs: 60_000 } });
    const harness = h;
    await harness.command(U.carol, '/lab', 'status', { channel: CHANNEL });
    await until(
      () => harness.api.responses.some((r) => JSON.stringify(r.body).includes('Lab status')),
      'the status is answered',
    );
  });
});
