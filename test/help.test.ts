import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRegistry } from '../commands/index.js';
import { defineArgs, defineCommand, defineRead, flag, positional } from '../src/command.js';
import { renderUsage, usageHint } from '../src/help.js';
import { renderText } from '../src/i18n/render.js';
import { localizeView } from '../src/view.js';

const vmCommand = defineCommand({
  name: 'vm',
  summary: 'VMs (tests)',
  subcommands: [
    defineRead({
      name: 'boot',
      summary: 'Boots a VM',
      usage: 'boot VM_NAME [ISO] [--reason TEXT] --path SERVER:/EXPORT [--dry-run] [--count N]',
      examples: ['/vm boot web1 --path nfs:/iso'],
      args: defineArgs({
        vmName: positional(z.string(), 'the VM'),
        iso: positional(z.string().optional(), 'an ISO to boot from'),
        reason: flag(z.string().optional(), 'why', { alias: 'r' }),
        path: flag(z.string(), 'the export', { valueName: 'SERVER:/EXPORT' }),
        'dry-run': flag(z.boolean().optional(), 'show the plan only'),
        count: flag(z.number().optional(), 'how many times'),
      }),
      risk: 'read',
      run: async () => ({ title: 'booted', sections: [] }),
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
