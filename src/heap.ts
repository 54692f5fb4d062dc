/**
 * The V8 heap's young generation, kept small (issue 12 §6). The service runs node with a young
 * generation of at most 2 × 2 MB and `--expose-gc` (deploy/labops.service, `npm start`); without
 * `--expose-gc` (`npm run dev`, the tests) this does nothing.
 */
type ExposedGc = (options: { type: 'minor' | 'major' }) => void;

function exposedGc(): ExposedGc | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? (gc as ExposedGc) : undefined;
}

/**
 * Gives back the young generation's memory once the bot is quiet. V8 grows the space under load,
 * and a quiet bot left to itself did not always shrink it again. Measured (`npm run bench --
 * idle`, 15 s after `/lab status`): without this, two bots in five kept 2.5 MB more, 71.6 MB of RSS
 * against 69.1; with it, all five 68.5–69.3. A young collection every `everyMs`: on a quiet bot
 * it has nothing to copy (well under a millisecond); on a busy one it is one among the hundreds V8
 * makes meanwhile.
 */
export function trimYoungGenerationWhenQuiet(everyMs = 5000): () => void {
  const gc = exposedGc();
  if (!gc) return () => undefined;
  const timer = setInterval(() => gc({ type: 'minor' }), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
