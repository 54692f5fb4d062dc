import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AckFirst } from '../../src/slack/ack-first.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('work after an ack waits for the acks of a burst (AckFirst)', () => {
  it('starts at once when no request arrived lately, and after the lull when one did', async () => {
    const gate = new AckFirst(30, 60_000);
    const started: string[] = [];
    void gate.quiet().then(() => started.push('nothing arrived'));
    await sleep(0);
    expect(started).toEqual(['nothing arrived']);
    gate.arrived();
    const work = gate.quiet().then(() => started.push('one arrived'));
    await sleep(0);
    expect(started).toEqual(['nothing arrived']);
    await work;
    expect(started).toEqual(['nothing arrived', 'one arrived']);
  });

  it('waits while a request waits for its response, then for a lull', async () => {
    const gate = new AckFirst(20, 60_000);
    const held: ServerResponse[] = [];
    const server = createServer((_req, res) => {
      held.push(res);
    });
    gate.watch(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const order: string[] = [];
      const answered = fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body: 'x' }).then(
        (response) => response.text(),
      );
      while (held.length === 0) await sleep(5);
      const work = gate.quiet().then(() => order.push('work'));
      // Three lulls long: the request still waits for its response, so the work has not begun.
      await sleep(60);
      expect(order).toEqual([]);
      held[0]!.end();
      order.push('ack');
      await Promise.all([answered, work]);
      expect(order).toEqual(['ack', 'work']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('starts after the lull that ends a burst', async () => {
    const gate = new AckFirst(30, 60_000);
    const order: string[] = [];
    gate.arrived();
    const work = gate.quiet().then(() => order.push('work'));
    for (let i = 0; i < 5; i++) {
      await sleep(5);
      gate.arrived();
      order.push('arrived');
    }
    await work;
    // Not one piece of work among the burst's arrivals; the most (a minute) never came into it.
    expect(order).toEqual(['arrived', 'arrived', 'arrived', 'arrived', 'arrived', 'work']);
  });

  it('is not starved by a steady stream of requests: it waits its most, then starts', async () => {
    const gate = new AckFirst(50, 100);
    gate.arrived();
    const stream = setInterval(() => gate.arrived(), 5);
    try {
      let started = false;
      const work = gate.quiet().then(() => {
        started = true;
      });
      await sleep(20);
      expect(started).toBe(false);
      // Requests still arrive every 5 ms, never a lull of 50: the most (100 ms) lets it start.
      await work;
      expect(started).toBe(true);
    } finally {
      clearInterval(stream);
    }
  });

  it('refuses the work still waiting, and any asking later, when the bot stops', async () => {
    const gate = new AckFirst(60_000, 60_000);
    gate.arrived();
    const works = [gate.quiet(), gate.quiet()];
    const stopping = new Error('stopping');
    gate.stop(stopping);
    await expect(Promise.all(works)).rejects.toBe(stopping);
    await expect(gate.quiet()).rejects.toBe(stopping);
  });

  it('counts a request whose response never ends for a while only', async () => {
    const gate = new AckFirst(10, 60_000, 50);
    const server = createServer(() => undefined);
    gate.watch(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const controller = new AbortController();
    const hung = fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      body: 'x',
      signal: controller.signal,
    }).catch(() => undefined);
    try {
      await sleep(20);
      // The response never comes: after 50 ms it no longer holds the work back.
      await gate.quiet();
    } finally {
      controller.abort();
      await hung;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
