/**
 * Every delay of the simulated lab goes through here: `baseMs` is the lab-like duration and the
 * scheduler scales it by the simulator's time scale. Timers are unref'd and all cleared on close(),
 * so a forgotten simulator never keeps the process alive.
 */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(readonly timeScale: number) {}

  /** Runs `fn` after `baseMs × timeScale` milliseconds (never before the current call stack ends). */
  after(baseMs: number, fn: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (this.closed) return;
        try {
          fn();
        } catch (error) {
          // A bug in a state machine must not take the process (the shell, a test run) down with it.
          process.stderr.write(`lab simulator: state machine failed: ${String(error)}\n`);
        }
      },
      Math.max(0, baseMs * this.timeScale),
    );
    timer.unref();
    this.timers.add(timer);
  }

  /** Scaled duration, for callers that need the number (timing, retention). */
  scaled(baseMs: number): number {
    return baseMs * this.timeScale;
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
