/**
 * Slack's rate limits as the stand-in enforces them (design.md, "The Slack stand-in's contract";
 * slack-platform.md §4). Tests shrink the windows with the same factor on both sides, so the
 * adapter's pacing is exercised in milliseconds rather than minutes.
 */
export interface SlackLimits {
  /** `chat.update` calls per window, per workspace, sliding. */
  updatesPerWindow: number;
  updateWindowMs: number;
  /** `chat.postMessage`: one per interval per channel, with a burst. */
  postIntervalMs: number;
  postBurst: number;
  /** `views.publish` calls per window. */
  publishesPerWindow: number;
  publishWindowMs: number;
}

export const SLACK_LIMITS: Readonly<SlackLimits> = {
  updatesPerWindow: 50,
  updateWindowMs: 60_000,
  postIntervalMs: 1000,
  postBurst: 3,
  publishesPerWindow: 100,
  publishWindowMs: 60_000,
};

/** The limits with every window multiplied by `factor` (tests: 0.02 makes a minute 1.2 s). */
export function scaleLimits(limits: SlackLimits, factor: number): SlackLimits {
  return {
    ...limits,
    updateWindowMs: limits.updateWindowMs * factor,
    postIntervalMs: limits.postIntervalMs * factor,
    publishWindowMs: limits.publishWindowMs * factor,
  };
}
