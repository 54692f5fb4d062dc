import { z } from 'zod';
import { schemaMessage } from '../../src/args.js';
import {
  type CommandContext,
  defineArgs,
  defineCommand,
  defineDirect,
  defineRead,
  flag,
  positional,
  type ScheduledWork,
} from '../../src/command.js';
import type { DataCenter, StorageDomain } from '../../src/engine/types.js';
import { type ApiLevel, formatEngineVersion } from '../../src/engine/versions.js';
import type { MessageKey } from '../../src/i18n/catalog/index.js';
import { compareNames } from '../../src/i18n/formats.js';
import { bytes, instant, list, msg, type Param, type Text, verbatim } from '../../src/i18n/text.js';
import { describeEvery, describeWhen } from '../../src/schedules/when.js';
import type { JobRecord, JobStatus } from '../../src/store/types.js';
import { textArg } from '../../src/text.js';
import type { View } from '../../src/view.js';
import { findDataCenterId } from '../lab-state.js';
import { acrossArgs, chooseLabs, readAcrossLabs } from './across.js';
import { doctor } from './doctor.js';
import { listLabs } from './list.js';
import { reset } from './reset.js';

async function readDomains(ctx: CommandContext): Promise<{ dc: DataCenter; domains: StorageDomain[] }> {
  const id = await findDataCenterId(ctx);
  const [dc, domains] = await Promise.all([
    ctx.engine.getDataCenter(id),
    ctx.engine.listAttachedStorageDomains(id),
  ]);
  return { dc, domains };
}

/** A job's status in words (the glossary's: 승인 대기, 실행 중, …). */
const JOB_STATUS: Record<JobStatus, MessageKey> = {
  awaiting_approval: 'lab.job.status.awaitingApproval',
  queued: 'lab.job.status.queued',
  running: 'lab.job.status.running',
  succeeded: 'lab.job.status.succeeded',
  failed: 'lab.job.status.failed',
  cancelled: 'lab.job.status.cancelled',
  interrupted: 'lab.job.status.interrupted',
  denied: 'lab.job.status.denied',
  expired: 'lab.job.status.expired',
  void: 'lab.job.status.void',
};

function describeJob(job: JobRecord, now: number): Text {
  const minutes = Math.max(0, Math.round((now - (job.startedAt ?? job.createdAt)) / 60_000));
  const status: Text = { key: JOB_STATUS[job.status] };
  const state = minutes
    ? msg('lab.job.stateAge', { status, requester: job.requester, minutes })
    : msg('lab.job.state', { status, requester: job.requester });
  const line = {
    id: job.id,
    command: verbatim(job.command.split(' ')[0] ?? ''),
    text: verbatim(job.text),
    state,
  };
  const review = describeReview(job);
  return review ? msg('lab.job.lineReview', { ...line, review }) : msg('lab.job.line', line);
}

/** `sch-1a2b /lab reset — at 2026-12-05 18:00 Asia/Seoul · approved by alice and bob` (issue 15 §4). */
function describeSchedule(s: ScheduledWork): Text {
  const confirmed = s.approvers.length === 0 || s.approvers.every((p) => p === s.requester);
  const who = list((confirmed ? [s.requester] : s.approvers).map((p) => verbatim(p)));
  const line = {
    id: s.id,
    command: verbatim(s.command),
    when: describeWhen(s.next, s.timeZone),
    approved: confirmed
      ? msg('schedule.list.confirmedBy', { who })
      : msg('schedule.list.approvedBy', { who }),
  };
  return s.everyMs === undefined
    ? msg('schedule.list.line', line)
    : msg('schedule.list.lineEvery', { ...line, every: describeEvery(s.everyMs) });
}

/** At most three items, then how many more: a line stays readable on a phone. */
function shorten(items: string[]): Param {
  const shown = list(items.slice(0, 3).map(verbatim));
  return items.length <= 3 ? shown : msg('lab.job.review.more', { items: shown, count: items.length - 3 });
}

/** What a failed, cancelled or interrupted job did to its targets, re-read after it stopped. */
function describeReview(job: JobRecord): Text | undefined {
  const changes = job.review?.changes;
  if (!changes) return undefined;
  // Targets and states are the store's words (`host hyper1`, `up`): shown as they are.
  const changed = changes
    .filter((c) => c.outcome === 'changed')
    .map((c) => (c.from !== undefined ? `${c.target} ${c.from} → ${c.to}` : c.target));
  const unknown = changes.filter((c) => c.outcome === 'unknown').map((c) => c.target);
  if (changed.length && unknown.length) {
    return msg('lab.job.review.changedUnknown', { changed: shorten(changed), unknown: shorten(unknown) });
  }
  if (changed.length) return msg('lab.job.review.changed', { items: shorten(changed) });
  if (unknown.length) return msg('lab.job.review.unknown', { items: shorten(unknown) });
  return job.review?.wroteAt !== undefined
    ? msg('lab.job.review.sentUnchanged')
    : msg('lab.job.review.nothingChanged');
}

/** `oVirt 4.3.11.4 (API model 4.3.31)`: what the engine runs and which request table labops uses. */
function describeEngine(level: ApiLevel): Text {
  return msg('lab.status.engine.version', {
    version: verbatim(formatEngineVersion(level.version)),
    model: verbatim(level.model.model),
  });
}

const status = defineRead({
  name: 'status',
  summary: msg('lab.status.about'),
  usage: 'status [--all] [--lab LAB,LAB]',
  examples: ['/lab status', '/lab status --all', '/lab status --lab lab1,lab2'],
  args: defineArgs(acrossArgs),
  risk: 'read',
  acrossLabs: true,
  async run(ctx, args): Promise<View> {
    const which = chooseLabs(args);
    if (which) return readAcrossLabs(ctx, which, 'status');
    // Independent reads at once: the answer costs about one engine round trip (design.md benchmark).
    const [{ dc, domains }, hosts, vms, level] = await Promise.all([
      readDomains(ctx),
      ctx.engine.listHosts(),
      ctx.engine.listVms(),
      // Read once per login by the client: no extra round trip here.
      ctx.engine.getApiLevel(),
    ]);
    const up = hosts.filter((h) => h.status === 'up').length;
    const active = domains.filter((d) => d.status === 'active').length;
    const healthy = dc.status === 'up' && up === hosts.length && active === domains.length && !level.warning;
    // Names, engine states and types are the engine's words, shown as they are in both languages.
    const hostLines = hosts
      .sort((a, b) => compareNames(a.name, b.name))
      .map((h) => {
        const count = vms.filter((vm) => vm.hostId === h.id && vm.status !== 'down').length;
        const params = { host: h.name, status: verbatim(h.status), count };
        return h.isSpm ? msg('lab.status.hosts.lineSpm', params) : msg('lab.status.hosts.line', params);
      });
    const domainLines = domains
      .sort((a, b) => compareNames(a.name, b.name))
      .map((d) => {
        const params = {
          domain: d.name,
          status: verbatim(d.status ?? '?'),
          type: verbatim(d.type),
          free: d.availableBytes === undefined ? verbatim('?') : bytes(d.availableBytes),
        };
        return d.isMaster
          ? msg('lab.status.storage.lineMaster', params)
          : msg('lab.status.storage.line', params);
      });
    const running = await ctx.jobs.list({ active: true, limit: 3 });
    const pending = await ctx.jobs.pendingApprovals(2);
    const now = ctx.clock();
    const activity = [
      ...running.map((j) => describeJob(j, now)),
      ...pending.map((p) =>
        msg('lab.status.jobs.pending', { id: p.id, command: verbatim(p.command), requester: p.requester }),
      ),
    ];
    return {
      title: ctx.lab.simulated ? msg('lab.status.titleSimulated') : msg('lab.status.title'),
      state: {
        text: msg('lab.status.state', {
          dc: dc.name,
          status: verbatim(dc.status),
          up,
          hosts: hosts.length,
          active,
          domains: domains.length,
        }),
        tone: healthy ? 'ok' : 'warn',
      },
      sections: [
        {
          heading: msg('lab.status.engine.heading'),
          lines: [
            describeEngine(level),
            ...(level.warning ? [msg('lab.status.engine.warning', { warning: level.warning })] : []),
          ],
        },
        {
          heading: msg('lab.status.hosts.heading'),
          lines: hostLines.length ? hostLines : [msg('lab.list.none')],
        },
        {
          heading: msg('lab.status.storage.heading'),
          lines: domainLines.length ? domainLines : [msg('lab.status.storage.none')],
        },
        {
          heading: msg('lab.status.jobs.heading'),
          lines: activity.length ? activity : [msg('lab.status.jobs.none')],
        },
      ],
    };
  },
});

const jobs = defineRead({
  name: 'jobs',
  summary: msg('lab.jobs.about'),
  usage: 'jobs [--all]',
  examples: ['/lab jobs', '/lab jobs --all'],
  args: defineArgs({ all: flag(z.boolean().optional(), msg('lab.jobs.allFlag')) }),
  risk: 'read',
  async run(ctx, args): Promise<View> {
    const now = ctx.clock();
    const active = await ctx.jobs.list({ active: true, limit: 20 });
    const recent = (await ctx.jobs.list({ limit: args.all ? 50 : 10 })).filter(
      (j) => !active.some((a) => a.id === j.id),
    );
    const scheduled = await ctx.jobs.schedules();
    return {
      title: msg('lab.jobs.title'),
      state: { text: msg('lab.jobs.state', { count: active.length }), tone: 'info' },
      sections: [
        {
          heading: msg('lab.jobs.active.heading'),
          lines: active.length ? active.map((j) => describeJob(j, now)) : [msg('lab.list.none')],
        },
        {
          heading: msg('lab.jobs.recent.heading'),
          lines: recent.length ? recent.map((j) => describeJob(j, now)) : [msg('lab.list.none')],
        },
        ...(scheduled.length
          ? [{ heading: msg('schedule.list.heading'), lines: scheduled.map(describeSchedule) }]
          : []),
      ],
    };
  },
});

const cancel = defineDirect({
  name: 'cancel',
  summary: msg('lab.cancel.about'),
  usage: 'cancel JOB',
  examples: ['/lab cancel job-7k2m', '/lab cancel sch-3f9a'],
  args: defineArgs({
    job: positional(
      textArg().regex(/^[a-z0-9-]{3,40}$/, schemaMessage(msg('lab.cancel.jobForm'))),
      msg('lab.cancel.jobArg'),
    ),
  }),
  risk: 'change',
  async direct(ctx, args): Promise<View> {
    const message = await ctx.jobs.cancel(args.job, ctx.caller.principal, ctx.caller.groups);
    return {
      title: msg('lab.cancel.title', { job: args.job }),
      state: { text: message, tone: 'info' },
      sections: [],
    };
  },
});

const audit = defineRead({
  name: 'audit',
  summary: msg('lab.audit.about'),
  usage: 'audit [N]',
  examples: ['/lab audit', '/lab audit 50'],
  args: defineArgs({
    n: positional(z.coerce.number().int().min(1).max(200).optional(), msg('lab.audit.countArg')),
  }),
  risk: 'read',
  async run(ctx, args): Promise<View> {
    const events = await ctx.jobs.audit(args.n ?? 10);
    // The time of day in the lab's time zone (the adapter's); the rest is the audit's own English.
    const lines = events.map((e) => {
      const line = { time: instant(e.at), type: verbatim(e.type), actor: e.actor };
      const summary = e.summary ? verbatim(e.summary) : undefined;
      if (e.jobId && summary) return msg('lab.audit.lineJobSummary', { ...line, job: e.jobId, summary });
      if (e.jobId) return msg('lab.audit.lineJob', { ...line, job: e.jobId });
      if (summary) return msg('lab.audit.lineSummary', { ...line, summary });
      return msg('lab.audit.line', line);
    });
    return {
      title: msg('lab.audit.title'),
      state: { text: msg('lab.audit.state', { count: events.length }), tone: 'info' },
      // Not a code block: lines wrap on a phone, and in Slack the actors show as mentions.
      sections: [{ lines: lines.length ? lines : [msg('lab.audit.none')] }],
      footer: msg('lab.audit.footer', { command: verbatim('npm start -- --export-audit') }),
    };
  },
});

export const labCommand = defineCommand({
  name: 'lab',
  summary: msg('lab.about', { subcommands: verbatim('status, list, doctor, reset, jobs, cancel, audit') }),
  subcommands: [status, listLabs, doctor, reset, jobs, cancel, audit],
});
