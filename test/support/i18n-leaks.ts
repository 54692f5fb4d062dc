/**
 * The check for text outside the catalog (issue 16, "Done when"): any text rendered for a reader
 * is rendered again in Korean with its pieces marked (src/i18n/render.ts, `mark`), and what is not
 * Korean catalog text, a verbatim piece or a short name is reported: a plain string that reached a
 * reader, English prose passed to a message as a value, or English left in a Korean message.
 */
import { renderText } from '../../src/i18n/render.js';
import type { Text } from '../../src/i18n/text.js';

/** Three English words in a row: prose, not a name, a state or a path… */
const ENGLISH_WORDS = /[A-Za-z]{2,}[a-z]*(?:[ ,;:'’()-]+[A-Za-z]{2,}){2,}/;
/** …with a word only a sentence has: a command line, a path or a file name has none. */
const FUNCTION_WORD =
  /\b(?:the|an?|is|are|was|be|to|of|and|or|in|on|at|for|with|not|no|it|its|this|that|from|by|into|has|have|will|cannot|when|then|only)\b/i;

function isEnglishProse(text: string): boolean {
  const words = ENGLISH_WORDS.exec(text);
  return words !== null && FUNCTION_WORD.test(words[0]);
}

/** Text inside backticks or quotes is a command or a name as typed. */
function stripCode(text: string): string {
  return text.replace(/`[^`]*`/g, ' ').replace(/"[^"]*"/g, ' ');
}

/** What in `text`, shown in Korean, is not from the catalog. Empty when it is all in order. */
export function findLeaks(text: Text): string[] {
  const marked = renderText('ko', text, { mark: true });
  const leaks: string[] = [];
  // Walk the marks: ⟦catalog⟧ ‹verbatim› «value»; each character belongs to the innermost.
  const stack: string[] = [];
  const runs = new Map<string, string>([
    ['raw', ''],
    ['catalog', ''],
    ['value', ''],
  ]);
  const flush = (kind: string) => {
    const run = runs.get(kind) ?? '';
    runs.set(kind, '');
    const plain = stripCode(run);
    if (kind === 'raw' && /\p{L}/u.test(plain)) leaks.push(`plain text: ${run.trim()}`);
    if (kind === 'value' && isEnglishProse(plain)) leaks.push(`English value: ${run.trim()}`);
    if (kind === 'catalog' && isEnglishProse(plain)) leaks.push(`English in Korean: ${run.trim()}`);
  };
  const kindOf = () => {
    const top = stack[stack.length - 1];
    return top === '⟦' ? 'catalog' : top === '«' ? 'value' : top === '‹' ? 'verbatim' : 'raw';
  };
  for (const ch of marked) {
    if (ch === '⟦' || ch === '«' || ch === '‹') {
      const kind = kindOf();
      if (kind !== 'verbatim') flush(kind);
      stack.push(ch);
    } else if (ch === '⟧' || ch === '»' || ch === '›') {
      const kind = kindOf();
      if (kind !== 'verbatim') flush(kind);
      stack.pop();
    } else {
      const kind = kindOf();
      if (kind !== 'verbatim') runs.set(kind, (runs.get(kind) ?? '') + ch);
    }
  }
  for (const kind of runs.keys()) flush(kind);
  return leaks;
}
