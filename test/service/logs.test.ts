import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, formatPrettyLine } from '../../src/log.js';
import { subscribeJobLogs } from '../../src/service/job-logs.js';
import { approveAndRun, type CoreHarness, shellCaller, startCore } from '../support/core.js';

/** A pino destination that keeps each line. */
function collectLines(): { lines: string[]; write(line: string): void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

describe('a JSON line per engine request and per step, with the job id and the correlation id (issue 12 §5)', () => {
  let core: CoreHarness;
  const out = collectLines();

  beforeAll(async () => {
    const logger = createLogger({ level: 'info', destination: out });
    core = await startCore({ engine: { logger } });
    subscribeJobLogs(core.labops.bus, logger);
  });
  afterAll(async () => {
    await core?.close();
  });

  it('logs each of a job’s engine requests and each of its steps under its id', async () => {
    const { job, steps } = await approveAndRun(
      core,
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance hyper2',
        caller: shellCaller('operator'),
      }),
    );
    const entries = out.lines.map((line) => JSON.parse(line) as Record<string, unknown>);

    const stepLines = entries.filter((e) => e.msg === 'step finished');
    expect(stepLines.map((e) => [e.step, e.kind, e.status])).toEqual(
      steps.map((s) => [s.index + 1, s.kind, s.status]),
    );
    for (const line of stepLines) {
      expect(line).toMatchObject({
        jobId: job.id,
        correlationId: job.id,
        command: 'host maintenance',
        level: 30,
      });
      expect(typeof line.durationMs).toBe('number');
    }

    // Every request the engine saw tagged with the job's id is one line naming the job.
    const requestLines = entries.filter((e) => e.msg === 'engine request');
    const tagged = core.lab.sim.requests.filter((r) => r.correlationId === job.id);
    expect(tagged.length).toBeGreaterThan(0);
    const ofJob = requestLines.filter((e) => e.jobId === job.id);
    expect(ofJob).toHaveLength(tagged.length);
    for (const line of ofJob) expect(line.correlationId).toBe(job.id);
    expect(ofJob.map((e) => `${e.method} ${e.path} ${e.status}`).sort()).toEqual(
      tagged.map((r) => `${r.method} ${r.url.split('?')[0]} ${r.status}`).sort(),
    );
    // Every request at all, tagged or not, the token's included; never a header or a body.
    expect(requestLines).toHaveLength(core.lab.sim.requests.length);
    expect(out.lines.join('\n')).not.toMatch(/bearer|authorization|access_token/i);
    expect(out.lines.join('\n')).not.toContain(core.lab.sim.password);
  });
});

describe('LOG_FORMAT=pretty', () => {
  it('prints a line a person reads, redacted as the JSON is, with an error’s stack below', () => {
    const out = collectLines();
    const logger = createLogger({ level: 'info', format: 'pretty', color: false, destination: out });
    logger.info(
      { jobId: 'job-7', status: 200, path: '/ovirt-engine/api', password: 'hunter2' },
      'engine request',
    );
    logger.warn({ err: new Error('the engine went away'), note: 'two words' }, 'step finished');
    const [first, second] = out.lines;
    expect(first).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}engine request jobId=job-7 status=200 path=\/ovirt-engine\/api password="\[redacted\]"\n$/,
    );
    expect(second).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} WARN {2}step finished err="the engine went away" note="two words"\n/,
    );
    expect(second).toMatch(/\n {4}Error: the engine went away\n {8}at /);
    expect(out.lines.join('')).not.toContain('hunter2');
  });

  it('colours the level for a terminal and passes a line that is not JSON as it is', () => {
    expect(formatPrettyLine('{"level":50,"time":0,"msg":"failed"}', true)).toContain(
      '\u001b[31mERROR\u001b[0m failed',
    );
    expect(formatPrettyLine('not json')).toBe('not json\n');
  });
});
