import type { jobs as en } from '../en/jobs.js';
import type { Translation } from '../translation.js';

export const jobs: Translation<typeof en> = {};
