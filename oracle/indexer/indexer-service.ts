import type { Logger } from '../chain/logger.js';
import { silentLogger } from '../chain/logger.js';
import { PollLoop } from '../../lib/poll-loop.js';
import type { ResultIndexer } from './result-indexer.js';

/**
 * The indexer process loop: one tick every `pollMs` (immediately again while catching up). Several
 * indexers may run: each write transaction takes the deployment's writer lock and checks the checkpoint
 * first (see `ResultIndexer`), so one writes at a time, the others' ticks stop without writing, and an
 * indexer that dies leaves nothing to take over.
 */
export class IndexerService {
  private readonly loop: PollLoop;

  constructor(deps: { indexer: ResultIndexer; pollMs: number; logger?: Logger }) {
    const log = deps.logger ?? silentLogger;
    this.loop = new PollLoop(
      async () => {
        const report = await deps.indexer.tick(20);
        if (report.retracted > 0) log.error({ ...report }, 'indexer retracted final results after a deep reorg');
        else if (report.rewoundTo !== undefined) log.warn({ ...report }, 'indexer rewound after a reorg');
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
