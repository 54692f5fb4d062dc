import type { ssh as en } from '../en/ssh.js';
import type { Translation } from '../translation.js';

export const ssh: Translation<typeof en> = {};
