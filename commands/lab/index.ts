import { z } from 'zod';
import {
  type CommandContext,
  defineArgs,
  defineCommand,
  defineDirect,
  defineRead,
  flag,
  positional,
} from '../../src/command.js';
import type { DataCenter, StorageDomain } from '../../src/engine/types.js';
import { type ApiLevel, formatEngineVersion } from '../../src/engine/versions.js';
import type { JobRecord } from '../../src/store/types.js';
import { textArg } from '../../src/text.js';
import { formatBytes, type View } from '../../src/view.js';
import { findDataCenterId } from '../lab-state.js';
import { doctor } from './doctor.js';
import { reset } from './reset.js';

async function readDomains(ctx: CommandContext): Promise<{ dc: DataCenter; domains: StorageDomain[] }> {
  const id = await findDataCenterId(ctx);
  const [dc, domains] = await Promise.all([
    ctx.engine.getDataCenter(id),
    ctx.engine.listAttachedStorageDomains(id),
  ]);
  return { dc, domains };
}

function describeJob(job: JobRecord, now: number): string {
  const age = Math.max(0, Math.round((now - (job.startedAt ?? job.createdAt)) / 60_000));
  return `${job.id}  /${job.command.split(' ')[0]} ${job.text} — ${job.status.replace('_', ' ')}, ${job.requester}${age ? `, ${age} min ago` : ''}${describeReview(job)}`;
}

/** What a failed, cancelled or interrupted job did to its targets, re-read after it stopped. */
function describeReview(job: JobRecord): string {
  const changes = job.review?.changes;
  if (!changes) return '';
  const shorten = (items: string[]) =>
    items.length <= 3 ? items.join(', ') : `${items.slice(0, 3).join(', ')} and ${items.length - 3} more`;
  const changed = changes
    .filter((c) => c.outcome === 'changed')
    .map((c) => (c.from !== undefined ? `${c.target} ${c.from} → ${c.to}` : c.target));
  const unknown = changes.filter((c) => c.outcome === 'unknown').map((c) => c.target);
  const parts = [
    ...(changed.length ? [`changed: ${shorten(changed)}`] : []),
    ...(unknown.length ? [`unknown: ${shorten(unknown)}`] : []),
  ];
  if (parts.length) return ` · ${parts.join(' · ')}`;
  return job.review?.wroteAt !== undefined ? ' · changes sent, targets read as before' : ' · nothing changed';
}

/** `oVirt 4.3.11.4 (API model 4.3.31)`: what the engine runs and which request table labops uses. */
function describeEngine(level: ApiLevel): string {
  return `oVirt ${formatEngineVersion(level.version)} (API model ${level.model.model})`;
}

const status = defineRead({
  name: 'status',
  summary: 'The whole lab in one answer: data center, hosts, storage, jobs, approvals',
  usage: 'status',
  examples: ['/lab status'],
  args: defineArgs({}),
  risk: 'read',
  async run(ctx): Promise<View> {
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
    const hostLines = hosts
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((h) => {
        const count = vms.filter((vm) => vm.hostId === h.id && vm.status !== 'down').length;
        return `${h.name}  ${h.status}  ${count} VM${count === 1 ? '' : 's'}${h.isSpm ? '  SPM' : ''}`;
      });
    const domainLines = domains
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(
        (d) =>
          `${d.name}  ${d.status ?? '?'}  ${d.type}${d.isMaster ? ' master' : ''}  ${formatBytes(d.availableBytes)} free`,
      );
    const running = await ctx.jobs.list({ active: true, limit: 3 });
    const pending = (await ctx.jobs.pendingApprovals()).slice(0, 2);
    const now = ctx.clock();
    const activity = [
      ...running.map((j) => describeJob(j, now)),
      ...pending.map((p) => `${p.id} awaits approval: /${p.command} (${p.requester})`),
    ];
    return {
      title: `Lab status${ctx.lab.simulated ? ' — SIMULATED LAB' : ''}`,
      state: {
        text: `${dc.name} ${dc.status} · hosts ${up}/${hosts.length} up · storage ${active}/${domains.length} active`,
        tone: healthy ? 'ok' : 'warn',
      },
      sections: [
        {
          heading: 'Engine',
          lines: [describeEngine(level), ...(level.warning ? [`⚠ ${level.warning}`] : [])],
        },
        { heading: 'Hosts', lines: hostLines.length ? hostLines : ['none'] },
        { heading: 'Storage', lines: domainLines.length ? domainLines : ['no domain attached'] },
        { heading: 'Jobs', lines: activity.length ? activity : ['nothing running, nothing waiting'] },
      ],
    };
  },
});

const jobs = defineRead({
  name: 'jobs',
  summary: 'Running and recent jobs',
  usage: 'jobs [--all]',
  examples: ['/lab jobs', '/lab jobs --all'],
  args: defineArgs({ all: flag(z.boolean().optional(), 'the last 50 jobs, not just 10') }),
  risk: 'read',
  async run(ctx, args): Promise<View> {
    const now = ctx.clock();
    const active = await ctx.jobs.list({ active: true, limit: 20 });
    const recent = (await ctx.jobs.list({ limit: args.all ? 50 : 10 })).filter(
      (j) => !active.some((a) => a.id === j.id),
    );
    return {
      title: 'Jobs',
      state: { text: `${active.length} running or waiting`, tone: 'info' },
      sections: [
        {
          heading: 'Running and waiting',
          lines: active.length ? active.map((j) => describeJob(j, now)) : ['none'],
        },
        { heading: 'Recent', lines: recent.length ? recent.map((j) => describeJob(j, now)) : ['none'] },
      ],
    };
  },
});

const cancel = defineDirect({
  name: 'cancel',
  summary: 'Stop a job between steps (a running remote command is signalled)',
  usage: 'cancel JOB',
  examples: ['/lab cancel job-7k2m'],
  args: defineArgs({
    job: positional(
      textArg().regex(/^[a-z0-9-]{3,40}$/, 'must be a job id such as job-7k2m'),
      'the job id from /lab jobs',
    ),
  }),
  risk: 'change',
  async direct(ctx, args): Promise<View> {
    const message = await ctx.jobs.cancel(args.job, ctx.caller.principal, ctx.caller.groups);
    return { title: `Cancel ${args.job}`, state: { text: message, tone: 'info' }, sections: [] };
  },
});

const audit = defineRead({
  name: 'audit',
  summary: 'The audit trail: requests, approvals, denials, expiries, steps and results',
  usage: 'audit [N]',
  examples: ['/lab audit', '/lab audit 50'],
  args: defineArgs({
    n: positional(
      z.coerce.number().int().min(1).max(200).optional(),
      'how many events (default 10, at most 200)',
    ),
  }),
  risk: 'read',
  async run(ctx, args): Promise<View> {
    const events = await ctx.jobs.audit(args.n ?? 10);
    const lines = events.map((e) => {
      const time = new Date(e.at).toISOString().slice(11, 19);
      return `${time} ${e.type} ${e.actor}${e.jobId ? ` ${e.jobId}` : ''}${e.summary ? ` — ${e.summary}` : ''}`;
    });
    return {
      title: 'Audit trail',
      state: { text: `the last ${events.length} events, newest first`, tone: 'info' },
      // Not a code block: lines wrap on a phone, and in Slack the actors show as mentions.
      sections: [{ lines: lines.length ? lines : ['nothing yet'] }],
      footer: 'The full trail exports as JSON lines: npm start -- --export-audit',
    };
  },
});

export const labCommand = defineCommand({
  name: 'lab',
  summary: 'The whole lab: status, doctor, reset, jobs, cancel, audit',
  subcommands: [status, doctor, reset, jobs, cancel, audit],
});
