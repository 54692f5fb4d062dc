import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commandBody,
  postSigned,
  SIGNING_SECRET,
  type SlackHarness,
  signBody,
  startSlackHarness,
  U,
} from '../support/slack-harness.js';

let h: SlackHarness;
beforeAll(async () => {
  h = await startSlackHarness({ mode: 'http' });
});
afterAll(async () => {
  await h.close();
});

function maintenanceBody(): string {
  return new URLSearchParams(
    commandBody(U.alice, '/host', 'maintenance hyper2', h.api.responseUrl()),
  ).toString();
}

async function startedNothing(): Promise<void> {
  await h.adapter.idle();
  expect(await h.store.listJobs()).toEqual([]);
  expect(h.api.callsOf('chat.postMessage')).toEqual([]);
}

describe('signed requests to the HTTP receiver', () => {
  it('refuses a wrong secret with 401 and starts nothing', async () => {
    const answer = await postSigned(h.eventsUrl!, maintenanceBody(), { secret: 'not-the-secret' });
    expect(answer.status).toBe(401);
    await startedNothing();
  });

  it('refuses a timestamp older than five minutes with 401', async () => {
    const answer = await postSigned(h.eventsUrl!, maintenanceBody(), {
      timestamp: Math.floor(Date.now() / 1000) - 301,
    });
    expect(answer.status).toBe(401);
    await startedNothing();
  });

  it('refuses a body changed after signing with 401', async () => {
    const body = maintenanceBody();
    const timestamp = Math.floor(Date.now() / 1000);
    const answer = await fetch(h.eventsUrl!, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': signBody(body, SIGNING_SECRET, timestamp),
      },
      body: body.replace('hyper2', 'hyper1'),
    });
    expect(answer.status).toBe(401);
    await startedNothing();
  });

  it('refuses a request without the signature headers with 401', async () => {
    for (const missing of ['x-slack-signature', 'x-slack-request-timestamp']) {
      const body = maintenanceBody();
      const timestamp = Math.floor(Date.now() / 1000);
      const headers: Record<string, string> = {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': signBody(body, SIGNING_SECRET, timestamp),
      };
      delete headers[missing];
      const answer = await fetch(h.eventsUrl!, { method: 'POST', headers, body });
      expect(answer.status, missing).toBe(401);
    }
    await startedNothing();
  });

  it('answers 400 to a charset-suffixed content type: Bolt compares it exactly (slack-platform.md §3)', async () => {
    const answer = await postSigned(h.eventsUrl!, maintenanceBody(), {
      contentType: 'application/x-www-form-urlencoded; charset=utf-8',
    });
    expect(answer.status).toBe(400);
    await startedNothing();
  });

  it('runs a good one: acknowledged at once with an empty body, the card posted after', async () => {
    const answer = await postSigned(h.eventsUrl!, maintenanceBody());
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('');
    await h.adapter.idle();
    expect(await h.store.listJobs()).toHaveLength(1);
    expect(h.api.callsOf('chat.postMessage').length).toBeGreaterThanOrEqual(1);
  });
});
