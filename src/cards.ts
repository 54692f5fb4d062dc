import type { Plan } from './command.js';
import type { LabopsError } from './errors.js';
import type { ApprovalRecord, JobRecord } from './store/types.js';
import type { View } from './view.js';

/** A card: a planned job waiting for its approvals. */
export interface Card {
  job: JobRecord;
  approval: ApprovalRecord;
  plan: Plan;
}

/** What a command's dispatch answers (Labops.dispatch): a view, a card, or an error. */
export type DispatchResult =
  | { kind: 'view'; view: View }
  | { kind: 'card'; card: Card }
  | { kind: 'error'; error: LabopsError };
