import type { MessageKey } from './catalog/index.js';
import { type Message, msg } from './text.js';

/** An entry of the lab guide's FAQ (lab-guide.md, "Known problems"; the guide's "10.0 기술지원 FAQ"). */
export type Faq = 0 | 1 | 2 | 3 | 4;

const FAQ_TITLES: Record<Faq, MessageKey> = {
  0: 'common.faq.0',
  1: 'common.faq.1',
  2: 'common.faq.2',
  3: 'common.faq.3',
  4: 'common.faq.4',
};

/** "FAQ 1 (…)" with its title: the guide's own in Korean, a faithful one in English. */
export function describeFaq(faq: Faq): Message {
  return msg(FAQ_TITLES[faq] as 'common.faq.0');
}
