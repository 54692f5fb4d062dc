import type { host as en } from '../en/host.js';
import type { Translation } from '../translation.js';

export const host: Translation<typeof en> = {};
