import type { Logger } from '../chain/logger.js';
import { silentLogger } from '../chain/logger.js';
import { PollLoop } from '../../lib/poll-loop.js';
import type { ResultIndexer } from './result-indexer.js';

/**
 * The indexer process loop: one tick every `pollMs` (immediately again while catching up). Several
 * indexers may run: every write is idempotent (`on conflict do nothing` / checkpoint upsert in the same
 * transaction), so a second one only repeats work.
 */
export class IndexerService {
  private readonly loop: PollLoop;

  constructor(deps: { indexer: ResultIndexer; pollMs: number; logger?: Logger }) {
    const log = deps.logger ?? silentLogger;
    this.loop = new PollLoop(
      async () => {
        const report = await deps.indexer.tick(20);
        if (report.rewoundTo !== undefined) log.warn({ ...report }, 'indexer rewound after a reorg');
        else if (report.events > 0) log.info({ ...report }, 'indexed');
        return report.events > 0 && report.toBlock > report.fromBlock;
      },
      deps.pollMs,
      (error) => log.error({ err: error }, 'indexer tick failed'),
    );
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }
}
