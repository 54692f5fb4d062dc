import type { shell as en } from '../en/shell.js';
import type { Translation } from '../translation.js';

export const shell: Translation<typeof en> = {};
