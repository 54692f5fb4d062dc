import { type MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser';
import type { ArgKind } from './translation.js';

/**
 * The arguments an ICU message takes and their kind: a number for `plural`, `selectordinal`,
 * `number`, `date` and `time`, anything shown otherwise. Throws on a message that does not parse.
 */
export function describeArgs(source: string): Record<string, ArgKind> {
  const args: Record<string, ArgKind> = {};
  const visit = (elements: readonly MessageFormatElement[]) => {
    for (const element of elements) {
      switch (element.type) {
        case TYPE.argument:
          args[element.value] ??= 'text';
          break;
        case TYPE.number:
        case TYPE.date:
        case TYPE.time:
          args[element.value] = 'number';
          break;
        case TYPE.plural:
          args[element.value] = 'number';
          for (const option of Object.values(element.options)) visit(option.value);
          break;
        case TYPE.select:
          args[element.value] ??= 'text';
          for (const option of Object.values(element.options)) visit(option.value);
          break;
        case TYPE.tag:
          visit(element.children);
          break;
        default:
          break;
      }
    }
  };
  visit(parse(source, { ignoreTag: true }));
  return Object.fromEntries(Object.entries(args).sort(([a], [b]) => a.localeCompare(b)));
}
