import type { slack as en } from '../en/slack.js';
import type { Translation } from '../translation.js';

export const slack: Translation<typeof en> = {};
