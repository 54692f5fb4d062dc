import { defineArgs, defineRead, type LabSummary } from '../../src/command.js';
import { msg, type Text } from '../../src/i18n/text.js';
import type { View } from '../../src/view.js';

/** One lab in one line a phone shows whole: `lab2 · engine up · hosts 2/2 up · domains 2/2 active · 1 job running`. */
export function describeLab(lab: LabSummary): Text {
  if (lab.engine === 'down') {
    return msg('lab.list.lineDown', { lab: lab.name, jobs: lab.jobsRunning, reason: lab.reason });
  }
  return msg('lab.list.line', {
    lab: lab.name,
    hostsUp: lab.hostsUp,
    hosts: lab.hosts,
    domainsActive: lab.domainsActive,
    domains: lab.domains,
    jobs: lab.jobsRunning,
  });
}

/** `/lab list`: every lab the caller may act on, each read now (issue 13 §2). */
export const listLabs = defineRead({
  name: 'list',
  summary: msg('lab.list.about'),
  usage: 'list',
  examples: ['/lab list'],
  args: defineArgs({}),
  risk: 'read',
  async run(ctx): Promise<View> {
    const labs = await ctx.labs.list(ctx.caller, ctx.signal);
    const down = labs.filter((l) => l.engine === 'down').length;
    const healthy = labs.filter(
      (l) => l.engine === 'up' && l.hostsUp === l.hosts && l.domainsActive === l.domains,
    ).length;
    return {
      title: labs.some((l) => l.simulated) ? msg('lab.list.titleSimulated') : msg('lab.list.title'),
      state: labs.length
        ? {
            text: msg('lab.list.state', { count: labs.length, healthy, down }),
            tone: down ? 'bad' : healthy === labs.length ? 'ok' : 'warn',
          }
        : { text: msg('lab.list.noLab'), tone: 'warn' },
      sections: labs.length ? [{ lines: labs.map(describeLab) }] : [],
      footer: msg('lab.list.footer'),
    };
  },
});
