import type { FanOut } from '../../lib/ephemeral/index.js';
import type { Db } from '../../lib/db/transaction.js';
import { marketBets, type BetView } from '../bets/bet-service.js';
import { fanOutChannels } from './channels.js';

/** A bet as `GET /me/bets` shows it (the bet service's `BetView`). */
export type LiveBet = BetView;

/** Bets read and published at once when a settlement is announced. */
export const SETTLEMENT_PAGE = 1_000;

/**
 * Announces changes on the FanOut, for the live module of every API instance (and, through Redis,
 * of every process sharing it). Messages are wake-ups or small events: receivers read the current
 * state themselves, so a lost or duplicated message costs at most one read. Publishing never
 * throws: a failure goes to `onError` (the bet or settlement it announces stands).
 */
export function createLivePublisher(deps: {
  readonly fanOut: Pick<FanOut, 'publish'>;
  /** The prefix of the FanOut channels (the API's `API_REDIS_PREFIX`: the same in the API and the settler). */
  readonly prefix: string;
  readonly onError?: (error: unknown) => void;
}) {
  const ch = fanOutChannels(deps.prefix);
  /** The announcement of settlements in progress: the next one starts after it. */
  let announcing: Promise<unknown> = Promise.resolve();
  const publish = (channel: string, message: string) =>
    deps.fanOut.publish(channel, message).catch((error: unknown) => deps.onError?.(error));
  return {
    /** The pools of these markets changed (bets accepted) or their state did. */
    async marketsChanged(marketIds: Iterable<string>): Promise<void> {
      await Promise.all([...new Set(marketIds)].map((id) => publish(ch.market(id), '1')));
    },
    /** Bets accepted for a player (`me`: `bet.accepted`, then the new balance). */
    async betsAccepted(playerId: string, bets: readonly LiveBet[]): Promise<void> {
      await Promise.all([
        ...bets.map((bet) => publish(ch.player(playerId), JSON.stringify({ kind: 'bet.accepted', bet }))),
        this.marketsChanged(bets.map((b) => b.marketId)),
      ]);
    },
    /** Bets settled (or their settlement reversed): `me`: `bet.settled` with the bet as it now is. */
    async betsSettled(bets: readonly (LiveBet & { readonly playerId: string })[]): Promise<void> {
      await Promise.all(
        bets.map(({ playerId, ...bet }) => publish(ch.player(playerId), JSON.stringify({ kind: 'bet.settled', bet }))),
      );
    },
    /** The player's balance changed for another reason (deposit, withdrawal). */
    async balanceChanged(playerId: string): Promise<void> {
      await publish(ch.player(playerId), JSON.stringify({ kind: 'balance' }));
    },
    /**
     * After a market's settlement (or its reversal) committed: the staff's `admin` channel (a
     * `settlement` message), each bet to its player, the market's new state. The bets are read and published a page at a time ({@link SETTLEMENT_PAGE}), and one
     * market's announcement at a time per publisher, so a market of a million bets holds one page in
     * memory and one page of PUBLISH in flight, never the whole market (nor several markets at once).
     */
    settlementChanged(db: Db, marketId: string): Promise<void> {
      const run = announcing.then(async () => {
        await Promise.all([this.marketsChanged([marketId]), this.settlementRun(marketId)]);
        let afterId: string | undefined;
        for (;;) {
          const bets = await marketBets(db, marketId, { afterId, limit: SETTLEMENT_PAGE });
          if (bets.length === 0) return;
          await this.betsSettled(bets);
          afterId = bets[bets.length - 1]!.id;
          if (bets.length < SETTLEMENT_PAGE) return;
        }
      });
      announcing = run.catch(() => undefined);
      return run;
    },
    /** A settlement run of this market was written or reversed (`admin`: `{"kind":"settlement","marketId"}`). */
    async settlementRun(marketId: string): Promise<void> {
      await publish(ch.admin(), JSON.stringify({ kind: 'settlement', marketId }));
    },
    /** Something about an event's oracle status changed (`eventId`: the betting event id). */
    async oracleEvent(eventId: string): Promise<void> {
      await publish(ch.admin(), JSON.stringify({ eventId }));
    },
  };
}

export type LivePublisher = ReturnType<typeof createLivePublisher>;
