/**
 * A process loop: runs `tick` again and again until stopped, waiting `pollMs` between ticks, or not
 * at all while `tick` reports more work (catching up). A failing tick is reported to `onError` and
 * the loop goes on. `stop()` wakes a waiting loop at once and resolves after the current tick.
 */
export class PollLoop {
  private running?: Promise<void>;
  private stopping = false;
  private wake?: () => void;
  private poked = false;

  /**
   * @param tick - one unit of work; resolves `true` when more work is waiting (no pause before the next tick).
   * @param pollMs - pause between ticks when there is nothing more to do.
   * @param onError - told of a tick that threw; the loop continues.
   */
  constructor(
    private readonly tick: () => Promise<boolean>,
    private readonly pollMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Starts the loop; a second call while it runs does nothing. */
  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.loop();
  }

  /**
   * Asks for a tick now (a notification arrived): a waiting loop wakes at once; a loop inside a tick
   * runs the next one without the pause. Does nothing once stopped.
   */
  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  /** Stops after the current tick (a waiting loop wakes at once). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    this.running = undefined;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let busy = false;
      this.poked = false;
      try {
        busy = await this.tick();
      } catch (error) {
        this.onError(error);
      }
      if (this.stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, busy || this.poked ? 0 : this.pollMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
