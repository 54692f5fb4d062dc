/**
 * Issue 10 §1 in real time: one slow source must not freeze the bot.
 * - `stalled_status_p99_ms` (and p50, count): the answer time of `/lab status` — from sending the
 *   signed request until its answer arrives at the response_url — while six `/iso upload` plans
 *   (three requesters, two each) wait on sources that send one byte every 10 s;
 * - `stalled_sigterm_exit_ms`: from SIGTERM to the bot's exit with those plans still stuck;
 * - `stalled_plans_answered_at_stop`: how many of the six uploads got an answer (their cancel)
 *   before the bot exited.
 * The bot runs as the service runs it (bench/bot.ts: the built dist/main.js) in Slack HTTP mode
 * with a lab file, against the Web API stand-in. The simulator, the stand-in, the download source and the bot are processes
 * apart; response_urls point at a loopback server of this process, which times the answers.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SLACK_TIMING } from '../src/slack/adapter.js';
import { commandBody, postSigned } from '../test/support/slack-harness.js';
import { buildBot, cleanBotEnv, spawnBot, writeSimLabFile } from './bot.js';
import { percentile, round, type SimInfo, startProcess } from './support.js';

const SECRET = 'bench-signing-secret';
const BOT_TOKEN = 'xoxb-bench';
const CHANNEL = 'CSTALL';
const UPLOADERS = ['UUPLOAD1', 'UUPLOAD2', 'UUPLOAD3'];
const READERS = Array.from({ length: 10 }, (_, i) => `UREADER${i}`);
const STATUSES = 50;
const WARMUPS = 3;
/** Status commands in flight at once: five people asking at the same moment. */
const CONCURRENCY = 5;
/** A status not answered in this time counts as this long (and as unanswered). */
const ANSWER_CAP_MS = 15_000;
/** A bot that has not exited this long after SIGTERM is killed; the figure is then this cap. */
const EXIT_CAP_MS = 30_000;
/**
 * Longer than the bench runs, so that the six plans are still stuck when the statuses are asked
 * and when SIGTERM comes (the default of 20 s would end them on a slow machine first).
 */
const PLAN_SECONDS = 120;
/** Big enough to be an ISO, never reached at one byte per 10 s. */
const SOURCE_BYTES = 64 * 1024 * 1024;

/** A response_url server: each answer's arrival time by path. */
interface Answers {
  base: string;
  /** Resolves with the arrival time (performance.now()) and body of the first answer to `path`. */
  wait(path: string, timeoutMs: number): Promise<{ at: number; body: Record<string, unknown> } | undefined>;
  received(path: string): { at: number; body: Record<string, unknown> } | undefined;
  close(): Promise<void>;
}

async function startAnswers(): Promise<Answers> {
  const arrived = new Map<string, { at: number; body: Record<string, unknown> }>();
  const waiters = new Map<string, (answer: { at: number; body: Record<string, unknown> }) => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      const path = req.url ?? '/';
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
      } catch {
        body = { text: Buffer.concat(chunks).toString() };
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      if (arrived.has(path)) return;
      arrived.set(path, { at, body });
      waiters.get(path)?.({ at, body });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: (path) => arrived.get(path),
    wait(path, timeoutMs) {
      const seen = arrived.get(path);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(path);
          resolve(undefined);
        }, timeoutMs);
        waiters.set(path, (answer) => {
          clearTimeout(timer);
          waiters.delete(path);
          resolve(answer);
        });
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The built bot in Slack HTTP mode; resolves once its receiver listens, with its port. */
async function startBot(
  dir: string,
  sim: SimInfo,
  apiUrl: string,
): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawnBot([], {
    cwd: dir,
    env: cleanBotEnv({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: apiUrl,
      PORT: '0',
      HEALTH_PORT: '0',
      LAB_CONFIG: writeSimLabFile(dir, sim, {
        approvers: ['slack:UAPPROVER'],
        extra: `limits:\n  plan_seconds: ${PLAN_SECONDS}\n`,
      }),
      LABOPS_DATA_DIR: join(dir, 'data'),
      LABOPS_ENGINE_PASSWORD: sim.password,
      LOG_LEVEL: 'info',
    }),
  });
  let stderr = '';
  child.stdout?.resume();
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      const listening = /"port":(\d+)[^\n]*Slack HTTP receiver listening/.exec(stderr);
      if (listening) resolve(Number(listening[1]));
    });
    child.on('exit', (code) => reject(new Error(`the bot exited (${code}) before it listened: ${stderr}`)));
  });
  return { child, url: `http://127.0.0.1:${port}/slack/events`, stderr: () => stderr };
}

async function sendCommand(
  botUrl: string,
  user: string,
  command: string,
  text: string,
  responseUrl: string,
): Promise<void> {
  const body = new URLSearchParams(commandBody(user, command, text, responseUrl, { channel: CHANNEL }));
  const answer = await postSigned(botUrl, body.toString(), { secret: SECRET });
  if (answer.status !== 200) throw new Error(`the bot answered ${answer.status} to ${command} ${text}`);
}

function textOf(body: Record<string, unknown> | undefined): string {
  return typeof body?.text === 'string' ? body.text : JSON.stringify(body ?? {});
}

export async function runStalledBench(): Promise<Record<string, number>> {
  await buildBot();
  const sim = await startProcess<SimInfo>('./sim-process.ts', ['--time-scale', '0.01']);
  const source = await startProcess<{ base: string }>('./source-process.ts', ['--trickle-ms', '10000']);
  const standIn = await startProcess<{ apiUrl: string; base: string }>(
    '../test/support/slack-api-process.ts',
    ['--bot-token', BOT_TOKEN, '--channels', `${CHANNEL}:${[...UPLOADERS, ...READERS].join(',')}`],
  );
  const answers = await startAnswers();
  const dir = mkdtempSync(join(tmpdir(), 'labops-stalled-bench-'));
  let bot: Awaited<ReturnType<typeof startBot>> | undefined;
  try {
    bot = await startBot(dir, sim.info, standIn.info.apiUrl);
    const botUrl = bot.url;
    const status = async (i: number, label: string): Promise<number | undefined> => {
      const path = `/respond/${label}-${i}`;
      const started = performance.now();
      await sendCommand(botUrl, READERS[i % READERS.length]!, '/lab', 'status', `${answers.base}${path}`);
      const answer = await answers.wait(path, ANSWER_CAP_MS);
      if (answer && !/^Lab status/.test(textOf(answer.body))) {
        throw new Error(`/lab status answered something else: ${textOf(answer.body).slice(0, 200)}`);
      }
      return answer ? answer.at - started : undefined;
    };

    // The first status logs in to the engine: not part of the scene.
    for (let i = 0; i < WARMUPS; i++) {
      if ((await status(i, 'warmup')) === undefined) throw new Error('the warm-up /lab status got no answer');
    }

    // Six plans that wait on trickling sources: three requesters, two each (their limit).
    const uploads = Array.from({ length: 6 }, (_, i) => `/respond/upload-${i}`);
    for (const [i, path] of uploads.entries()) {
      const url = `${source.info.base}/trickle-${SOURCE_BYTES}-${i}.iso`;
      await sendCommand(
        botUrl,
        UPLOADERS[i % UPLOADERS.length]!,
        '/iso',
        `upload ${url}`,
        `${answers.base}${path}`,
      );
    }
    // The plans lane runs a few at once; the rest queue behind them, as they would in Slack.
    const expectOpen = Math.min(uploads.length, DEFAULT_SLACK_TIMING.planConcurrency);
    const openBy = performance.now() + 10_000;
    for (;;) {
      const { trickling } = (await (await fetch(`${source.info.base}/_open`)).json()) as {
        trickling: number;
      };
      if (trickling >= expectOpen) break;
      const early = uploads.find((p) => answers.received(p));
      if (early) throw new Error(`an upload was answered at once: ${textOf(answers.received(early)?.body)}`);
      if (performance.now() > openBy)
        throw new Error(`only ${trickling} of ${expectOpen} plans reached the source`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    // Other people's /lab status while the six are stuck.
    const times: number[] = [];
    let unanswered = 0;
    let next = 0;
    const worker = async () => {
      while (next < STATUSES) {
        const took = await status(next++, 'status');
        if (took === undefined) unanswered++;
        times.push(took ?? ANSWER_CAP_MS);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const ended = uploads.find((p) => answers.received(p));
    if (ended) {
      throw new Error(
        `a plan ended before the statuses were measured: ${textOf(answers.received(ended)?.body)}`,
      );
    }

    // SIGTERM with the plans still stuck: the process must end.
    const child = bot.child;
    const exited = new Promise<number>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve(performance.now());
      else child.once('exit', () => resolve(performance.now()));
    });
    const signalled = performance.now();
    child.kill('SIGTERM');
    const cap = new Promise<undefined>((resolve) =>
      setTimeout(() => resolve(undefined), EXIT_CAP_MS).unref(),
    );
    const exitAt = await Promise.race([exited, cap]);
    if (exitAt === undefined) child.kill('SIGKILL');
    else if (child.exitCode !== 0)
      throw new Error(`the bot exited with ${child.exitCode} after SIGTERM: ${bot.stderr()}`);

    const stopped = uploads.filter((p) => answers.received(p));
    for (const path of stopped) {
      const text = textOf(answers.received(path)?.body);
      if (!/stopping|cancel/i.test(text)) throw new Error(`an upload was answered at the stop with: ${text}`);
    }
    return {
      stalled_status_p50_ms: round(percentile(times, 50), 1),
      stalled_status_p99_ms: round(percentile(times, 99), 1),
      stalled_status_count: times.length,
      stalled_status_unanswered: unanswered,
      stalled_sigterm_exit_ms: round(exitAt === undefined ? EXIT_CAP_MS : exitAt - signalled, 0),
      stalled_plans_answered_at_stop: stopped.length,
    };
  } finally {
    const child = bot?.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
    await answers.close();
    await standIn.stop();
    await source.stop();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
