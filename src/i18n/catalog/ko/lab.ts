import type { lab as en } from '../en/lab.js';
import type { Translation } from '../translation.js';

export const lab: Translation<typeof en> = {};
