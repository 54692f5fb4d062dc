import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRegistry } from '../commands/index.js';
import { defineArgs, defineCommand, defineRead, flag, positional } from '../src/command.js';
import { renderPlanPreview, renderUsage, usageHint } from '../src/help.js';
import { renderText } from '../src/i18n/render.js';
import { msg, verbatim } from '../src/i18n/text.js';
import { createPlan } from '../src/plan.js';
import { localizeView } from '../src/view.js';
import { findLeaks } from './support/i18n-leaks.js';

const vmCommand = defineCommand({
  name: 'vm',
  summary: verbatim('VMs (tests)'),
  subcommands: [
    defineRead({
      name: 'boot',
      summary: verbatim('Boots a VM'),
      usage: 'boot VM_NAME [ISO] [--reason TEXT] --path SERVER:/EXPORT [--dry-run] [--count N]',
      examples: ['/vm boot web1 --path nfs:/iso'],
      args: defineArgs({
        vmName: positional(z.string(), verbatim('the VM')),
        iso: positional(z.string().optional(), verbatim('an ISO to boot from')),
        reason: flag(z.string().optional(), verbatim('why'), { alias: 'r' }),
        path: flag(z.string(), verbatim('the export'), { valueName: 'SERVER:/EXPORT' }),
        'dry-run': flag(z.boolean().optional(), verbatim('show the plan only')),
        count: flag(z.number().optional(), verbatim('how many times')),
      }),
      risk: 'read',
      run: async () => ({ title: verbatim('booted'), sections: [] }),
    }),
  ],
});

describe('a sub-command’s usage', () => {
  const [boot] = vmCommand.subcommands;

  it('shows each argument as the parser names it, a flag with its alias and the name of its value', () => {
    const view = localizeView(renderUsage(vmCommand, boot!), 'en');
    expect(view.title).toBe(
      '/vm boot VM_NAME [ISO] [--reason TEXT] --path SERVER:/EXPORT [--dry-run] [--count N]',
    );
    expect(view.state).toEqual({ text: 'Boots a VM (risk: read)', tone: 'info' });
    expect(view.sections).toEqual([
      {
        heading: 'Arguments',
        lines: [
          'VM_NAME — the VM',
          'ISO (optional) — an ISO to boot from',
          '-r, --reason TEXT — why',
          '--path SERVER:/EXPORT — the export',
          '--dry-run — show the plan only',
          '--count N — how many times',
        ],
      },
      { heading: 'Examples', lines: ['/vm boot web1 --path nfs:/iso'] },
    ]);
    expect(renderText('en', usageHint(vmCommand, boot!))).toBe(
      'Usage: /vm boot VM_NAME [ISO] [--reason TEXT] --path SERVER:/EXPORT [--dry-run] [--count N]\nExamples: /vm boot web1 --path nfs:/iso',
    );
  });

  it('names a value as the usage line does, for the commands labops ships', () => {
    const storage = createRegistry().find('storage')!;
    const attach = storage.subcommands.find((s) => s.name === 'attach')!;
    expect(localizeView(renderUsage(storage, attach), 'en').sections[0]?.lines).toEqual([
      'NAME — the new domain',
      '--type data|iso — data or iso',
      '--path SERVER:/EXPORT — the NFS export, SERVER:/EXPORT',
    ]);
  });
});

describe('help in Korean (issue 16)', () => {
  const korean = defineCommand({
    name: 'vm',
    summary: msg('pipeline.usage.examples'),
    subcommands: [
      defineRead({
        name: 'boot',
        summary: msg('pipeline.preview.impact'),
        usage: 'boot VM_NAME [ISO]',
        examples: ['/vm boot web1'],
        args: defineArgs({
          vmName: positional(z.string(), msg('pipeline.usage.arguments')),
          iso: positional(z.string().optional(), msg('pipeline.preview.steps')),
        }),
        risk: 'read',
        run: async () => ({ title: verbatim('booted'), sections: [] }),
      }),
    ],
  });

  it('shows a usage with its risk, the optional arguments and the examples in Korean', () => {
    const view = renderUsage(korean, korean.subcommands[0]!);
    expect(localizeView(view, 'ko')).toEqual({
      title: '/vm boot VM_NAME [ISO]',
      state: { text: '영향 (위험도: 읽기)', tone: 'info' },
      sections: [
        { heading: '인자', lines: ['VM_NAME — 인자', 'ISO (선택) — 단계'] },
        { heading: '예', lines: ['/vm boot web1'] },
      ],
    });
    expect(renderText('ko', usageHint(korean, korean.subcommands[0]!))).toBe(
      '사용법: /vm boot VM_NAME [ISO]\n예: /vm boot web1',
    );
  });

  it('shows a dry run’s plan in Korean, saying that nothing was asked, locked or changed', () => {
    const plan = createPlan({
      summary: msg('host.maintenance.title', { host: 'hyper1' }),
      risk: 'destructive',
      impact: [msg('host.maintenance.title', { host: 'hyper2' })],
      warnings: [msg('host.maintenance.alreadyIn', { host: 'hyper3' })],
      steps: [{ kind: 'k', title: msg('host.maintenance.title', { host: 'hyper1' }), params: {} }],
    });
    const view = renderPlanPreview(plan, 'critical');
    expect(localizeView(view, 'en')).toMatchObject({
      title: 'Dry run: Put hyper1 into maintenance',
      state: { text: 'critical — nothing was asked, locked or changed' },
      footer: 'Run it again without --dry-run to ask for approval.',
    });
    const shown = localizeView(view, 'ko');
    expect(shown.title).toBe('미리 보기: hyper1 유지보수 모드 전환');
    expect(shown.state?.text).toBe('중대 — 요청, 잠금, 변경 모두 하지 않았습니다');
    expect(shown.sections.map((s) => [s.heading, s.lines])).toEqual([
      ['영향', ['hyper2 유지보수 모드 전환']],
      ['경고', [renderText('ko', msg('host.maintenance.alreadyIn', { host: 'hyper3' }))]],
      ['단계', ['1. hyper1 유지보수 모드 전환']],
    ]);
    expect(shown.footer).toBe('승인을 요청하려면 --dry-run 없이 다시 실행하십시오.');
    const texts = [
      view.title,
      view.state?.text,
      view.footer,
      ...view.sections.flatMap((s) => [s.heading, ...s.lines]),
    ];
    expect(texts.flatMap((text) => (text === undefined ? [] : findLeaks(text)))).toEqual([]);
  });
});
