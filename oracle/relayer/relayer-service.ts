import type { Logger } from '../chain/logger.js';
import { silentLogger } from '../chain/logger.js';
import { PollLoop } from '../../lib/poll-loop.js';
import type { OracleMetrics } from '../metrics.js';
import type { RelayerLock } from './relayer-lock.js';
import type { ResultRelayer, TickReport } from './result-relayer.js';

/**
 * The relayer process loop: stand by until the advisory lock is ours, then tick every `pollMs`.
 * A lost lock session stops sending at once (outbox writes go through that session); the loop
 * goes back to standby and tries to take the lock again.
 */
export class RelayerService {
  private readonly lock: RelayerLock;
  private readonly relayer: ResultRelayer;
  private readonly log: Logger;
  private readonly metrics?: OracleMetrics;
  private readonly loop: PollLoop;

  constructor(deps: {
    lock: RelayerLock;
    relayer: ResultRelayer;
    pollMs: number;
    logger?: Logger;
    metrics?: OracleMetrics;
  }) {
    this.lock = deps.lock;
    this.relayer = deps.relayer;
    this.log = deps.logger ?? silentLogger;
    this.metrics = deps.metrics;
    this.loop = new PollLoop(
      async () => {
        await this.runOnce();
        return false;
      },
      deps.pollMs,
      (error) => this.log.error({ err: error }, 'relayer tick failed'),
    );
    this.lock.onLost(() => {
      this.metrics?.leader.set(0);
      this.log.error({}, 'relayer lock session lost: standing by');
    });
  }

  /** True while this instance is the active relayer. */
  get leader(): boolean {
    return this.lock.held;
  }

  /** One step: take the lock if free, then tick when leader. */
  async runOnce(): Promise<TickReport | 'standby'> {
    const wasLeader = this.lock.held;
    if (!(await this.lock.tryAcquire())) {
      this.metrics?.leader.set(0);
      return 'standby';
    }
    if (!wasLeader) {
      this.metrics?.leader.set(1);
      this.log.info({ relayer: this.relayer.address }, 'relayer lock acquired: active');
    }
    return this.relayer.tick();
  }

  /** Starts the loop (returns at once). */
  start(): void {
    this.loop.start();
  }

  /** Graceful stop: finishes the current tick, releases the lock (a standby takes over). */
  async stop(): Promise<void> {
    await this.loop.stop();
    await this.lock.release();
    this.metrics?.leader.set(0);
  }
}
