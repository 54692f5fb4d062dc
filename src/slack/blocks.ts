import type { types } from '@slack/bolt';
import { codeBlock, escapeText, truncate } from './mrkdwn.js';

export type Block = types.KnownBlock;
export type Button = types.Button;

/**
 * Block Kit limits Slack enforces with `invalid_blocks` (slack-platform.md §5). Every renderer
 * builds within them; `fitBlocks` is the last guard before sending.
 */
export const LIMITS = {
  messageBlocks: 50,
  homeBlocks: 100,
  sectionText: 3000,
  headerText: 150,
  buttonValue: 2000,
  buttonText: 75,
  contextElements: 10,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /** Top-level `text`: Slack truncates at 40,000; notifications want far less. */
  fallbackText: 3000,
} as const;

/** A message body: the notification text and the blocks. */
export interface MessageContent {
  text: string;
  blocks: Block[];
}

export function header(text: string): Block {
  return {
    type: 'header',
    text: { type: 'plain_text', text: truncate(text, LIMITS.headerText), emoji: true },
  };
}

/** A section of mrkdwn that the caller already escaped; cut to Slack's 3000 characters. */
export function section(mrkdwn: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(mrkdwn, LIMITS.sectionText) } };
}

/**
 * A section holding a code block of remote output, with the newest lines kept when it would not fit
 * Slack's 3000 characters (the cut is marked on the first line, the fence stays closed).
 */
export function codeSection(prefix: string, lines: readonly string[]): Block {
  let kept = [...lines];
  let text = `${prefix}${codeBlock(kept)}`;
  while (text.length > LIMITS.sectionText && kept.length > 1) {
    kept = kept.slice(Math.max(1, Math.floor(kept.length / 8)));
    text = `${prefix}${codeBlock(['… (earlier lines cut)', ...kept])}`;
  }
  return section(text);
}

export function context(mrkdwnParts: readonly string[]): Block {
  return {
    type: 'context',
    elements: mrkdwnParts
      .slice(0, LIMITS.contextElements)
      .map((text) => ({ type: 'mrkdwn' as const, text: truncate(text, LIMITS.sectionText) })),
  };
}

export function divider(): Block {
  return { type: 'divider' };
}

export interface ButtonSpec {
  actionId: string;
  text: string;
  value: string;
  style?: 'primary' | 'danger' | undefined;
  /** A confirm dialog: UI only, every click is checked on the server (design.md, Approvals). */
  confirm?: { title: string; text: string; confirm: string; deny: string } | undefined;
}

export function button(spec: ButtonSpec): Button {
  return {
    type: 'button',
    action_id: spec.actionId,
    text: { type: 'plain_text', text: truncate(spec.text, LIMITS.buttonText), emoji: true },
    value: truncate(spec.value, LIMITS.buttonValue),
    ...(spec.style ? { style: spec.style } : {}),
    ...(spec.confirm
      ? {
          confirm: {
            title: { type: 'plain_text', text: truncate(spec.confirm.title, LIMITS.confirmTitle) },
            text: { type: 'mrkdwn', text: truncate(spec.confirm.text, LIMITS.confirmText) },
            confirm: { type: 'plain_text', text: truncate(spec.confirm.confirm, LIMITS.confirmButton) },
            deny: { type: 'plain_text', text: truncate(spec.confirm.deny, LIMITS.confirmButton) },
            ...(spec.style === 'danger' ? { style: 'danger' as const } : { style: 'primary' as const }),
          },
        }
      : {}),
  };
}

export function actions(buttons: readonly Button[]): Block {
  return { type: 'actions', elements: [...buttons] };
}

/**
 * Keeps a message within the block count: the last blocks (actions) are kept, the middle is cut
 * and replaced by a note. Renderers stay well inside; this only guards hostile input.
 */
export function fitBlocks(blocks: readonly Block[], max: number = LIMITS.messageBlocks): Block[] {
  if (blocks.length <= max) return [...blocks];
  const tail = blocks.at(-1)?.type === 'actions' ? 1 : 0;
  const keep = max - 1 - tail;
  return [
    ...blocks.slice(0, keep),
    context([`… ${blocks.length - keep - tail} more parts left out (Slack shows at most ${max}).`]),
    ...blocks.slice(blocks.length - tail),
  ];
}

/** The notification text: plain, escaped, short. */
export function fallback(text: string): string {
  return truncate(escapeText(text), LIMITS.fallbackText);
}
