import type { pipeline as en } from '../en/pipeline.js';
import type { Translation } from '../translation.js';

export const pipeline: Translation<typeof en> = {};
