import { classifyCodePoint } from '../text.js';

/*
 * Text for Slack's mrkdwn. Slack escapes only `&`, `<` and `>` (slack-platform.md §5); it has no
 * escape for `*`, `_`, `~` or `` ` ``. So mrkdwn carries labops's own words, mentions and dates
 * built from checked ids, and nothing else: text that came from people or from the lab (a reason,
 * a VM name, a fault) goes into Block Kit as `plain_text` or `rich_text` elements (blocks.ts).
 * `escapeText` stays the guard for the little outside text that mrkdwn still sees (the
 * notification text), so that `<!channel>` can never ping anyone.
 */

/** The widest code line a phone shows without wrapping (design.md: readable on a phone). */
export const PHONE_CODE_WIDTH = 60;

/** `&`, `<` and `>` become entities, `&` first; nothing else is touched (Slack's own rule). */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Where `text` may be cut to keep at most `max` UTF-16 units: never between the halves of a pair. */
function findCut(text: string, max: number): number {
  let cut = Math.max(0, Math.min(max, text.length));
  const code = text.charCodeAt(cut - 1);
  if (cut > 0 && cut < text.length && code >= 0xd800 && code <= 0xdbff) cut--;
  return cut;
}

/**
 * Cuts `text` to at most `max` characters, marking the cut with `…`. Length is counted in UTF-16
 * units, the larger of the counts Slack might use, and a surrogate pair (an emoji) is never split.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, findCut(text, max - 1))}…`;
}

/**
 * `truncate` for escaped mrkdwn: the cut never falls inside an entity (`&amp;` cut to `&` reads
 * as a stray ampersand) or inside a `<…>` token (a mention or a date cut in half shows as junk).
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = findCut(text, max - 1);
  const entity = /&[a-z]{0,4}$/.exec(text.slice(Math.max(0, cut - 5), cut));
  if (entity) cut -= entity[0].length;
  const open = text.lastIndexOf('<', cut - 1);
  if (open !== -1 && text.lastIndexOf('>', cut - 1) < open) cut = open;
  return `${text.slice(0, cut)}…`;
}

const SLACK_PRINCIPAL = /^slack:([UWS][A-Z0-9]{2,30})$/;

/** A principal Slack can mention: `slack:U…`/`slack:W…` (a person) or `slack:S…` (a user group). */
export function isSlackPrincipal(principal: string): boolean {
  return SLACK_PRINCIPAL.test(principal);
}

/**
 * A principal as Slack shows it: `slack:U…`/`slack:W…` mention the person, `slack:S…` the user
 * group; anything else (`shell:alice`) is plain, escaped text.
 */
export function mentionPrincipal(principal: string): string {
  const match = SLACK_PRINCIPAL.exec(principal);
  if (!match?.[1]) return escapeText(principal);
  return match[1].startsWith('S') ? `<!subteam^${match[1]}>` : `<@${match[1]}>`;
}

/**
 * Lines of machine output cut to the phone width: tabs as spaces, and control characters, direction
 * marks and line separators shown as `?`, so a line cannot reorder or split what the reader sees.
 */
export function fitCodeLines(lines: readonly string[], width = PHONE_CODE_WIDTH): string[] {
  return lines.map((line) => {
    let clean = '';
    for (const ch of line.replace(/\t/g, '  ')) clean += classifyCodePoint(ch.codePointAt(0) ?? 0) ? '?' : ch;
    return truncate(clean.trimEnd(), width);
  });
}

/**
 * Slack's date token: each reader sees the time in their own zone; `fallback` (the time in the
 * lab's zone) for old clients.
 */
export function slackTime(ms: number, fallback: string): string {
  return `<!date^${Math.floor(ms / 1000)}^{time}|${escapeText(fallback)}>`;
}
