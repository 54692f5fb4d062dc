import type { CommandRegistry } from '../command.js';
import { renderEnglish } from '../i18n/render.js';

/** The bot scopes labops needs: each for a Web API method it calls (slack-platform.md §7). */
export const BOT_SCOPES = [
  // Slash commands.
  'commands',
  // chat.postMessage, chat.update: cards, threads, summaries, shared answers.
  'chat:write',
  // conversations.open: cards to approvers not in the channel.
  'im:write',
  // conversations.members: who in the channel already sees the card (public and private channels).
  'channels:read',
  'groups:read',
  // usergroups.users.list: approvers named by group.
  'usergroups:read',
  // users.info with include_locale: each person's language (issue 16 §2).
  'users:read',
  // files.getUploadURLExternal, files.completeUploadExternal: the full log of a long job.
  'files:write',
] as const;

/** The bot events labops subscribes to (App Home needs no scope). */
export const BOT_EVENTS = ['app_home_opened'] as const;

export interface ManifestOptions {
  /** HTTP mode: the public base of `/slack/events`; absent for Socket Mode. */
  httpUrl?: string | undefined;
}

/**
 * The Slack app manifest (slack-platform.md §7) derived from the command registry, so the
 * manifest's slash commands are always the registry's. Socket Mode unless `httpUrl` is given,
 * then every request URL points at `/slack/events`.
 */
export function buildManifest(
  registry: CommandRegistry,
  options: ManifestOptions = {},
): Record<string, unknown> {
  const url = options.httpUrl ? `${options.httpUrl.replace(/\/+$/, '')}/slack/events` : undefined;
  return {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: {
      name: 'labops',
      description: 'Chat-ops for an oVirt lab: plans, approvals, progress in threads.',
      long_description:
        'labops runs an oVirt virtualization lab from Slack. /host maintenance hyper1 shows which VMs will migrate where and what could block it, asks the right people to approve with buttons, then calls the engine and its SSH runbooks and reports each step in a thread that reads well on a phone. Every request, approval and step is audited; risky work needs one or two approvers other than the requester.',
      background_color: '#1d3557',
    },
    features: {
      app_home: { home_tab_enabled: true, messages_tab_enabled: true, messages_tab_read_only_enabled: true },
      bot_user: { display_name: 'labops', always_online: true },
      slash_commands: registry.commands.map((command) => ({
        command: `/${command.name}`,
        // One description per app: in English (issue 16 §2).
        description: renderEnglish(command.summary).slice(0, 2000),
        usage_hint: command.subcommands
          .map((s) => s.name)
          .join(' | ')
          .slice(0, 1000),
        should_escape: false,
        ...(url ? { url } : {}),
      })),
    },
    oauth_config: { scopes: { bot: [...BOT_SCOPES] } },
    settings: {
      interactivity: { is_enabled: true, ...(url ? { request_url: url } : {}) },
      event_subscriptions: { ...(url ? { request_url: url } : {}), bot_events: [...BOT_EVENTS] },
      org_deploy_enabled: false,
      socket_mode_enabled: !url,
      token_rotation_enabled: false,
    },
  };
}
