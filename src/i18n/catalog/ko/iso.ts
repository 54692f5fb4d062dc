import type { iso as en } from '../en/iso.js';
import type { Translation } from '../translation.js';

export const iso: Translation<typeof en> = {};
