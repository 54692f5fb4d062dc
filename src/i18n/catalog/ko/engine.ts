import type { engine as en } from '../en/engine.js';
import type { Translation } from '../translation.js';

export const engine: Translation<typeof en> = {};
