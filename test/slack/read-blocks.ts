/*
 * Block Kit as a reader sees it, for assertions: one string per block. Mentions read `<@U…>` and
 * `<!subteam^S…>` (what a reader sees as @name), dates `<!date^…>`; rich_text lists one item a line.
 */

type Json = Record<string, unknown>;

function readInline(element: Json): string {
  switch (element.type) {
    case 'text':
      return String(element.text ?? '');
    case 'user':
      return `<@${String(element.user_id)}>`;
    case 'usergroup':
      return `<!subteam^${String(element.usergroup_id)}>`;
    case 'date':
      return `<!date^${String(element.timestamp)}^${String(element.format)}|${String(element.fallback)}>`;
    default:
      return '';
  }
}

function readRichPart(part: Json): string {
  const elements = (part.elements ?? []) as Json[];
  if (part.type === 'rich_text_list') {
    return elements
      .map((item, i) => `${part.style === 'ordered' ? `${i + 1}.` : '•'} ${readRichPart(item)}`)
      .join('\n');
  }
  return elements.map(readInline).join('');
}

/** The text of one block as shown. */
export function readBlock(block: Json): string {
  const text = block.text as Json | undefined;
  switch (block.type) {
    case 'header':
    case 'section':
      return String(text?.text ?? '');
    case 'context':
      return ((block.elements ?? []) as Json[]).map((e) => String(e.text ?? '')).join(' ');
    case 'rich_text':
      return ((block.elements ?? []) as Json[]).map(readRichPart).join('\n');
    case 'actions':
      return ((block.elements ?? []) as Json[])
        .map((e) => `[${String((e.text as Json)?.text ?? '')}]`)
        .join(' ');
    default:
      return '';
  }
}

export function readBlocks(blocks: unknown): string[] {
  return ((blocks ?? []) as Json[]).map(readBlock);
}

/** Every block's text, one block after another. */
export function readAll(blocks: unknown): string {
  return readBlocks(blocks).join('\n');
}

/** The mrkdwn texts: the only ones Slack parses for formatting, mentions and links. */
export function mrkdwnTexts(blocks: unknown): string[] {
  const out: string[] = [];
  JSON.stringify(blocks, (_key, value: { type?: string; text?: unknown }) => {
    if (value && typeof value === 'object' && value.type === 'mrkdwn' && typeof value.text === 'string')
      out.push(value.text);
    return value;
  });
  return out;
}

/** The preformatted lines (machine output) of rich_text blocks. */
export function codeLines(blocks: unknown): string[] {
  const out: string[] = [];
  JSON.stringify(blocks, (_key, value: { type?: string; elements?: Json[] }) => {
    if (value && typeof value === 'object' && value.type === 'rich_text_preformatted')
      out.push(...(value.elements ?? []).map(readInline).join('').split('\n'));
    return value;
  });
  return out;
}

/**
 * Whether blocks are what Slack accepts beyond the stand-in's checks: rich_text parts of known
 * types, no empty text element, styles only where Slack has them; answers the first problem.
 */
export function checkRichText(blocks: unknown): string | undefined {
  for (const [i, block] of ((blocks ?? []) as Json[]).entries()) {
    if (block.type !== 'rich_text') continue;
    const parts = (block.elements ?? []) as Json[];
    if (!parts.length) return `[${i}] rich_text without elements`;
    for (const part of parts) {
      if (
        !['rich_text_section', 'rich_text_list', 'rich_text_preformatted', 'rich_text_quote'].includes(
          String(part.type),
        )
      )
        return `[${i}] unknown rich_text part ${String(part.type)}`;
      const sections = part.type === 'rich_text_list' ? ((part.elements ?? []) as Json[]) : [part];
      for (const section of sections) {
        for (const element of (section.elements ?? []) as Json[]) {
          if (element.type === 'text' && !String(element.text ?? '').length)
            return `[${i}] empty text element`;
          if (
            !['text', 'user', 'usergroup', 'date', 'link', 'emoji', 'channel'].includes(String(element.type))
          )
            return `[${i}] unknown element ${String(element.type)}`;
        }
      }
    }
  }
  return undefined;
}
