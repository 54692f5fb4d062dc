import type { approvals as en } from '../en/approvals.js';
import type { Translation } from '../translation.js';

export const approvals: Translation<typeof en> = {};
