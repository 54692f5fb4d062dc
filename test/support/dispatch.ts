import type { DispatchResult } from '../../src/labops.js';

/** The card of a dispatch result; fails the test with what came instead. */
export function expectCard(result: DispatchResult) {
  if (result.kind !== 'card') {
    throw new Error(
      `expected a card, got ${result.kind}: ${result.kind === 'error' ? result.error.message : ''}`,
    );
  }
  return result.card;
}

/** The error of a dispatch result; fails the test with what came instead. */
export function expectError(result: DispatchResult) {
  if (result.kind !== 'error') throw new Error(`expected an error, got ${result.kind}`);
  return result.error;
}

/** The view of a dispatch result as one searchable string. */
export function viewText(result: DispatchResult): string {
  if (result.kind !== 'view') throw new Error(`expected a view, got ${result.kind}`);
  return JSON.stringify(result.view);
}
