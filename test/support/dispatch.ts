import type { DispatchResult } from '../../src/labops.js';
import { localizePlan } from '../../src/plan.js';
import { localizeView, type View } from '../../src/view.js';

/** The card of a dispatch result; fails the test with what came instead. */
export function expectCard(result: DispatchResult) {
  if (result.kind !== 'card') {
    throw new Error(
      `expected a card, got ${result.kind}: ${result.kind === 'error' ? result.error.message : ''}`,
    );
  }
  // Tests read the card as its English reader would (issue 16): the plan's texts rendered; the
  // dispatch result itself stays at hand, to approve and run it.
  return { ...result.card, plan: localizePlan(result.card.plan, 'en'), result };
}

/** The error of a dispatch result; fails the test with what came instead. */
export function expectError(result: DispatchResult) {
  if (result.kind !== 'error') throw new Error(`expected an error, got ${result.kind}`);
  return result.error;
}

/** The view of a dispatch result as one searchable string. */
export function viewText(result: DispatchResult): string {
  if (result.kind !== 'view') throw new Error(`expected a view, got ${result.kind}`);
  return JSON.stringify(localizeView(result.view, 'en'));
}

/** A view as its English reader sees it: every text rendered. */
export function expectView(result: DispatchResult): View<string> {
  if (result.kind !== 'view') {
    throw new Error(
      `expected a view, got ${result.kind}: ${result.kind === 'error' ? result.error.message : ''}`,
    );
  }
  return localizeView(result.view, 'en');
}
