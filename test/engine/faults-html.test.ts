import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEngineFailure } from '../../src/engine/faults.js';
import { LabopsError } from '../../src/errors.js';
import { type SimLab, startSimLab } from '../support/engine.js';

const page = (status: number, body: string, contentType = 'text/html; charset=iso-8859-1') =>
  parseEngineFailure({ method: 'GET', path: '/hosts/1', status, contentType, body });

describe('an error page of a failing engine says the status, not "a portal page" (issue 9 §8)', () => {
  it('names the status and the title of a 503 HTML page', () => {
    const error = page(
      503,
      '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN"><html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request.</p></body></html>',
    );
    expect(error.code).toBe('ENGINE_UNAVAILABLE');
    expect(error.status).toBe(503);
    expect(error.message).toBe(
      "The engine answered 503 (503 Service Unavailable) to GET /hosts/1, an HTML page instead of the API's JSON.",
    );
    expect(error.hint).not.toMatch(/portal|proxy in front of the engine answered/);
    expect(error.hint).toMatch(/systemctl status ovirt-engine/);
  });

  it('uses the first text of a page without a title, bounded', () => {
    const error = page(
      502,
      `<html><body>\n  <h1>Bad&nbsp;Gateway</h1>\n  <p>${'x'.repeat(500)}</p></body></html>`,
    );
    expect(error.message).toMatch(/^The engine answered 502 \(Bad Gateway x+…\) to GET \/hosts\/1/);
    expect(error.message.length).toBeLessThan(250);
  });

  it('says what a 5xx plain-text answer says', () => {
    const error = page(500, 'Internal Server Error\n', 'text/plain');
    expect(error.message).toBe(
      "The engine answered 500 (Internal Server Error) to GET /hosts/1, a text/plain answer instead of the API's JSON.",
    );
  });

  it('keeps the portal-page explanation for a 200 HTML page', () => {
    const error = page(200, '<html><head><title>oVirt Engine</title></head><body>Welcome</body></html>');
    expect(error.code).toBe('ENGINE_UNAVAILABLE');
    expect(error.message).toBe(
      'The engine answered GET /hosts/1 with an HTML page titled "oVirt Engine", status 200.',
    );
    expect(error.hint).toMatch(/not a portal page/);
  });

  it('still reads a 401 HTML page as refused credentials', () => {
    expect(page(401, '<html><head><title>Error</title></head><body>Unauthorized</body></html>').code).toBe(
      'ENGINE_AUTH',
    );
  });
});

describe('over the simulator', () => {
  let lab: SimLab;
  beforeAll(async () => {
    lab = await startSimLab();
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('reports a persistent 503 HTML page with its status and title', async () => {
    lab.sim.knobs.injectFault({
      kind: 'html',
      status: 503,
      method: 'GET',
      path: '/datacenters',
      count: Number.POSITIVE_INFINITY,
    });
    try {
      const error = await lab.client.listDataCenters().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LabopsError);
      expect((error as LabopsError).message).toBe(
        "The engine answered 503 (502 Proxy Error) to GET /datacenters, an HTML page instead of the API's JSON.",
      );
    } finally {
      lab.sim.knobs.clearFaults();
    }
  });
});
