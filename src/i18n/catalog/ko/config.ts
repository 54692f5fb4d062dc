import type { config as en } from '../en/config.js';
import type { Translation } from '../translation.js';

export const config: Translation<typeof en> = {};
