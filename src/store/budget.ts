/**
 * A token bucket's arithmetic, shared by the stores' Slack budget (issue 14 §3): `capacity` calls,
 * one more every `intervalMs`. `row` is the bucket as stored (undefined: full); answers the
 * tokens to store and how long the caller waits (0: it took one).
 */
export function takeToken(
  row: { tokens: number; updated_at: number } | undefined,
  capacity: number,
  intervalMs: number,
  at: number,
): { tokens: number; wait: number } {
  const refilled = row
    ? Math.min(capacity, row.tokens + Math.max(0, at - row.updated_at) / intervalMs)
    : capacity;
  if (refilled >= 1) return { tokens: refilled - 1, wait: 0 };
  // Nothing taken: the stored tokens stay as they were at their time, to keep counting from it.
  return { tokens: row?.tokens ?? capacity, wait: Math.ceil((1 - refilled) * intervalMs) };
}
