import type { storage as en } from '../en/storage.js';
import type { Translation } from '../translation.js';

export const storage: Translation<typeof en> = {};
