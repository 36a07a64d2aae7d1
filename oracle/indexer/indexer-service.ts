import type { Logger } from '../chain/logger.js';
import { silentLogger } from '../chain/logger.js';
import type { ResultIndexer } from './result-indexer.js';

/**
 * The indexer process loop: one tick every `pollMs` (immediately again while catching up). Several
 * indexers may run: every write is idempotent (`on conflict do nothing` / checkpoint upsert in the same
 * transaction), so a second one only repeats work.
 */
export class IndexerService {
  private running?: Promise<void>;
  private stopping = false;
  private wake?: () => void;

  constructor(private readonly deps: { indexer: ResultIndexer; pollMs: number; logger?: Logger }) {}

  start(): void {
    if (this.running) return;
    const log = this.deps.logger ?? silentLogger;
    this.stopping = false;
    this.running = (async () => {
      while (!this.stopping) {
        let busy = false;
        try {
          const report = await this.deps.indexer.tick(20);
          busy = report.events > 0 && report.toBlock > report.fromBlock;
          if (report.rewoundTo !== undefined) log.warn({ ...report }, 'indexer rewound after a reorg');
          else if (report.events > 0) log.info({ ...report }, 'indexed');
        } catch (error) {
          log.error({ err: error }, 'indexer tick failed');
        }
        if (this.stopping) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, busy ? 0 : this.deps.pollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    this.running = undefined;
  }
}
