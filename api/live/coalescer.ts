/** The clock and timers of a {@link Coalescer} (injectable: tests drive them by hand). */
export interface LiveClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: LiveClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Runs `run` at most once per `intervalMs`, however often it is poked: the first poke after a quiet
 * interval runs at once (leading edge); pokes during an interval, or while a run is in flight, are
 * folded into one run at the interval's end (trailing edge). Every poke is followed by a run that
 * *starts after it*, so what that run reads includes what the poke announced: the last state
 * always goes out. Runs never overlap. A failed run is reported and retried at the next interval.
 */
export class Coalescer {
  private lastStart = Number.NEGATIVE_INFINITY;
  private running = false;
  private pending = false;
  private timer: unknown = undefined;
  private closed = false;
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(
    private readonly run: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly clock: LiveClock = systemClock,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Something changed: a run will start after this call (at once, or at the interval's end). */
  poke(): void {
    if (this.closed) return;
    this.pending = true;
    this.schedule();
  }

  /** Like {@link poke}, resolving once that run has finished (rejecting with its error). */
  flush(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('coalescer closed'));
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.poke();
    });
  }

  /** True while a run is in flight or one is waiting for its turn. */
  get busy(): boolean {
    return this.running || this.pending;
  }

  close(): void {
    this.closed = true;
    this.pending = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(new Error('coalescer closed'));
  }

  private schedule(): void {
    if (this.closed || this.running || this.timer !== undefined || !this.pending) return;
    const wait = this.lastStart + this.intervalMs - this.clock.now();
    if (wait <= 0) {
      void this.fire();
      return;
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.fire();
    }, wait);
  }

  private async fire(): Promise<void> {
    if (this.closed) return;
    this.pending = false;
    this.running = true;
    this.lastStart = this.clock.now();
    const waiters = this.waiters;
    this.waiters = [];
    try {
      await this.run();
      for (const w of waiters) w.resolve();
    } catch (error) {
      for (const w of waiters) w.reject(error);
      if (waiters.length === 0) {
        this.onError(error);
        this.pending = true;
      }
    } finally {
      this.running = false;
      this.schedule();
    }
  }
}
