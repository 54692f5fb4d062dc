/*
 * Text for Slack's mrkdwn. Everything that came from outside labops' own code (a log line, an
 * engine fault, what a user typed, a host name) goes through `escapeText`, so that a line like
 * `<!channel>` can never ping anyone (slack-platform.md §5, "mrkdwn escaping and mentions").
 */

/** The widest code line a phone shows without wrapping (design.md: readable on a phone). */
export const PHONE_CODE_WIDTH = 60;

/** `&`, `<` and `>` become entities, `&` first; nothing else is touched (Slack's own rule). */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts `text` to at most `max` characters (code points), marking the cut with `…`. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/**
 * A principal as Slack shows it: `slack:U…`/`slack:W…` mention the person, `slack:S…` the user
 * group; anything else (`shell:alice`) is plain, escaped text.
 */
export function mentionPrincipal(principal: string): string {
  const match = /^slack:([UWS][A-Z0-9]{2,30})$/.exec(principal);
  if (!match?.[1]) return escapeText(principal);
  return match[1].startsWith('S') ? `<!subteam^${match[1]}>` : `<@${match[1]}>`;
}

/** A list of principals as mentions: `<@U1>, <@U2> and <!subteam^S1>`. */
export function mentionList(principals: readonly string[]): string {
  const mentions = principals.map(mentionPrincipal);
  if (mentions.length <= 1) return mentions.join('');
  return `${mentions.slice(0, -1).join(', ')} and ${mentions.at(-1)}`;
}

/** Lines of machine output cut to the phone width; control characters shown, tabs as spaces. */
export function fitCodeLines(lines: readonly string[], width = PHONE_CODE_WIDTH): string[] {
  return lines.map((line) => {
    let clean = '';
    for (const ch of line.replace(/\t/g, '  ')) {
      const code = ch.codePointAt(0) ?? 0;
      clean += code < 0x20 || code === 0x7f ? '?' : ch;
    }
    return truncate(clean.trimEnd(), width);
  });
}

/**
 * A code block of remote output: escaped, each line at most 60 characters, and a run of three
 * backticks inside broken so a log line cannot close the block early.
 */
export function codeBlock(lines: readonly string[], width = PHONE_CODE_WIDTH): string {
  const body = fitCodeLines(lines, width)
    .map((line) => escapeText(line).replace(/```/g, '`\u200b``'))
    .join('\n');
  return `\`\`\`\n${body || ' '}\n\`\`\``;
}

/** Slack's date token: each reader sees the time in their own zone; `fallback` for old clients. */
export function slackTime(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `<!date^${seconds}^{time}|${new Date(ms).toISOString().slice(11, 16)} UTC>`;
}
