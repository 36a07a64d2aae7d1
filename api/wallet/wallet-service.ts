import { randomUUID } from 'node:crypto';
import { withTransaction, type Db, type TransactionPool } from '../../lib/db/transaction.js';
import { assertCanPlay, limitCents, WEEK_MS } from '../account-checks.js';
import { ApiError } from '../errors.js';
import { claimKey, fromKeyConflict, storeKey, type IdempotencyKey } from '../idempotency.js';
import {
  ensurePlayerCash,
  lockPlayerCash,
  postTransaction,
  readBalance,
  singletonAccounts,
  type SingletonAccounts,
} from '../ledger/ledger.js';
import type { PlayerAccounts } from '../ports.js';
import type { PaymentProvider } from './payment-provider.js';

/** A deposit or withdrawal as the player sees it. */
export interface PaymentView {
  readonly id: string;
  /** The kyc account the payment belongs to (not in the player's JSON: it is theirs). */
  readonly playerId: string;
  readonly kind: 'deposit' | 'withdrawal';
  readonly amountCents: bigint;
  readonly state: 'pending' | 'completed' | 'failed';
  readonly createdAt: Date;
}

/** One line of a player's statement: a ledger entry of their cash account. */
export interface StatementLine {
  readonly transactionId: string;
  readonly kind: string;
  readonly reference: string | null;
  readonly amountCents: bigint;
  readonly at: Date;
}

export interface WalletServiceDeps {
  readonly pool: TransactionPool & Db;
  readonly players: PlayerAccounts;
  readonly provider: PaymentProvider;
  readonly now?: () => Date;
}

interface PaymentRow {
  id: string;
  player_id: string;
  kind: 'deposit' | 'withdrawal';
  amount_cents: string;
  state: 'pending' | 'completed' | 'failed';
  created_at: Date;
}

const view = (r: PaymentRow): PaymentView => ({
  id: r.id,
  playerId: r.player_id,
  kind: r.kind,
  amountCents: BigInt(r.amount_cents),
  state: r.state,
  createdAt: r.created_at,
});

/**
 * Deposits and withdrawals through a {@link PaymentProvider}, and the player's balance and
 * statement. Every money move is a balanced ledger transaction on the player's cash row, taken
 * after the kyc account (lock order: kyc account → player cash).
 */
export function createWalletService(deps: WalletServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const { pool, players, provider } = deps;
  let singletons: Promise<SingletonAccounts> | undefined;
  const accounts = (db: Db) => (singletons ??= singletonAccounts(db));

  async function markFailed(paymentId: string): Promise<PaymentView> {
    return withTransaction(pool, async (c) => {
      const { rows } = await c.query<PaymentRow & { ledger_tx_id: string | null }>(
        `update betting.payments set state = 'failed', settled_at = $2 where id = $1 and state = 'pending'
         returning id, player_id, kind, amount_cents, state, created_at, ledger_tx_id`,
        [paymentId, now()],
      );
      const row = rows[0];
      if (!row) return getPayment(c, paymentId);
      if (row.kind === 'withdrawal') {
        // The debit was taken at request time: give it back with a compensating transaction.
        const { outsideWorld } = await accounts(c);
        const cash = await ensurePlayerCash(c, row.player_id);
        const tx = await postTransaction(
          c,
          'withdrawal_reversal',
          [
            { accountId: outsideWorld, amountCents: -BigInt(row.amount_cents) },
            { accountId: cash, amountCents: BigInt(row.amount_cents) },
          ],
          row.id,
        );
        await c.query('update betting.payments set reversal_tx_id = $2 where id = $1', [row.id, tx]);
      }
      return view(row);
    });
  }

  async function getPayment(db: Db, paymentId: string): Promise<PaymentView> {
    const { rows } = await db.query<PaymentRow>(
      'select id, player_id, kind, amount_cents, state, created_at from betting.payments where id = $1',
      [paymentId],
    );
    if (!rows[0]) throw new ApiError('PAYMENT_NOT_FOUND', 'No such payment.');
    return view(rows[0]);
  }

  /**
   * Completes a pending payment exactly once: a deposit is credited; a withdrawal (already
   * debited) is marked paid out. A second call, or a call for a failed payment, changes nothing.
   */
  async function completePayment(paymentId: string, reference?: string): Promise<PaymentView> {
    return withTransaction(pool, async (c) => {
      const { rows } = await c.query<PaymentRow>(
        `update betting.payments set state = 'completed', settled_at = $2, provider_ref = coalesce(provider_ref, $3)
          where id = $1 and state = 'pending' and provider = $4
         returning id, player_id, kind, amount_cents, state, created_at`,
        [paymentId, now(), reference ?? null, provider.name],
      );
      const row = rows[0];
      if (!row) return getPayment(c, paymentId);
      if (row.kind === 'deposit') {
        const { outsideWorld } = await accounts(c);
        const cash = await ensurePlayerCash(c, row.player_id);
        const tx = await postTransaction(
          c,
          'deposit',
          [
            { accountId: outsideWorld, amountCents: -BigInt(row.amount_cents) },
            { accountId: cash, amountCents: BigInt(row.amount_cents) },
          ],
          row.id,
        );
        await c.query('update betting.payments set ledger_tx_id = $2 where id = $1', [row.id, tx]);
      }
      return view(row);
    });
  }

  /** Hands a recorded payment to the provider and applies its immediate answer. */
  async function startWithProvider(payment: PaymentView, playerId: string): Promise<PaymentView> {
    let answer;
    try {
      answer = await provider.start({
        paymentId: payment.id,
        kind: payment.kind,
        amountCents: payment.amountCents,
        playerId,
      });
    } catch (error) {
      await markFailed(payment.id);
      throw new ApiError('PAYMENT_FAILED', 'The payment provider could not process the payment.', { cause: error });
    }
    await pool.query('update betting.payments set provider_ref = $2 where id = $1 and provider_ref is null', [
      payment.id,
      answer.reference,
    ]);
    if (answer.status === 'completed') return completePayment(payment.id, answer.reference);
    if (answer.status === 'failed') {
      await markFailed(payment.id);
      throw new ApiError('PAYMENT_FAILED', 'The payment provider refused the payment.');
    }
    return payment;
  }

  /**
   * Runs the first step of a payment under an optional Idempotency-Key: a replay answers with the
   * payment the key first created (in its current state), never a second payment.
   */
  async function withKey(
    playerId: string,
    key: IdempotencyKey | undefined,
    work: (c: Db) => Promise<PaymentView>,
  ): Promise<PaymentView & { replayed?: boolean }> {
    const outcome = await withTransaction(pool, async (c): Promise<{ replayOf: string } | { payment: PaymentView }> => {
      if (key) {
        const replay = await claimKey<{ paymentId: string }>(c, playerId, key);
        if (replay) return { replayOf: replay.body.paymentId };
      }
      const payment = await work(c);
      if (key) await storeKey(c, playerId, key, 201, { paymentId: payment.id });
      return { payment };
    }).catch((error: unknown) => {
      throw fromKeyConflict(error);
    });
    if ('replayOf' in outcome) return { ...(await getPayment(pool, outcome.replayOf)), replayed: true };
    return outcome.payment;
  }

  return {
    /**
     * Starts a deposit: the account must be able to play and stay within its weekly deposit
     * limit (7 rolling days, pending deposits included).
     *
     * @throws {ApiError} ACCOUNT_CANNOT_PLAY, DEPOSIT_LIMIT_EXCEEDED, PAYMENT_FAILED.
     */
    async deposit(playerId: string, amountCents: bigint, idempotency?: IdempotencyKey): Promise<PaymentView> {
      const at = now();
      const payment = await withKey(playerId, idempotency, async (c) => {
        const account = await players.read(c, playerId, { lock: 'share' });
        assertCanPlay(account);
        await ensurePlayerCash(c, playerId);
        await lockPlayerCash(c, playerId);
        const limit = limitCents(account.limits.weeklyDepositCents)!;
        const { rows } = await c.query<{ total: string }>(
          `select coalesce(sum(amount_cents), 0)::text as total from betting.payments
            where player_id = $1 and kind = 'deposit' and state <> 'failed' and created_at > $2`,
          [playerId, new Date(at.getTime() - WEEK_MS)],
        );
        const used = BigInt(rows[0]!.total);
        if (used + amountCents > limit) {
          throw new ApiError('DEPOSIT_LIMIT_EXCEEDED', 'This deposit would exceed your weekly deposit limit.', {
            details: { limitCents: Number(limit), usedCents: Number(used) },
          });
        }
        const inserted = await c.query<PaymentRow>(
          `insert into betting.payments (id, player_id, kind, amount_cents, provider, created_at)
           values ($1, $2, 'deposit', $3, $4, $5) returning id, player_id, kind, amount_cents, state, created_at`,
          [randomUUID(), playerId, amountCents.toString(), provider.name, at],
        );
        return view(inserted.rows[0]!);
      });
      return payment.replayed ? payment : startWithProvider(payment, playerId);
    },

    /**
     * Starts a withdrawal: kyc must allow withdrawals; the amount leaves the player's cash at once
     * (so it cannot be staked meanwhile) and comes back by a compensating transaction if the
     * provider fails it.
     *
     * @throws {ApiError} WITHDRAWALS_NOT_ALLOWED, INSUFFICIENT_FUNDS, PAYMENT_FAILED.
     */
    async withdraw(playerId: string, amountCents: bigint, idempotency?: IdempotencyKey): Promise<PaymentView> {
      const payment = await withKey(playerId, idempotency, async (c) => {
        const account = await players.read(c, playerId, { lock: 'share' });
        if (!account || !account.withdrawalsAllowed) {
          throw new ApiError('WITHDRAWALS_NOT_ALLOWED', 'Withdrawals are not allowed on this account yet.');
        }
        const cash = await lockPlayerCash(c, playerId);
        if (!cash || cash.balanceCents < amountCents) {
          throw new ApiError('INSUFFICIENT_FUNDS', 'Your balance is lower than this amount.');
        }
        const id = randomUUID();
        const { outsideWorld } = await accounts(c);
        const inserted = await c.query<PaymentRow>(
          `insert into betting.payments (id, player_id, kind, amount_cents, provider, created_at)
           values ($1, $2, 'withdrawal', $3, $4, $5) returning id, player_id, kind, amount_cents, state, created_at`,
          [id, playerId, amountCents.toString(), provider.name, now()],
        );
        const tx = await postTransaction(
          c,
          'withdrawal',
          [
            { accountId: cash.accountId, amountCents: -amountCents },
            { accountId: outsideWorld, amountCents },
          ],
          id,
        );
        await c.query('update betting.payments set ledger_tx_id = $2 where id = $1', [id, tx]);
        return view(inserted.rows[0]!);
      });
      return payment.replayed ? payment : startWithProvider(payment, playerId);
    },

    /** Applies a verified provider callback (idempotent). */
    async confirm(paymentId: string, status: 'completed' | 'failed', reference?: string): Promise<PaymentView> {
      return status === 'completed' ? completePayment(paymentId, reference) : markFailed(paymentId);
    },

    /** A payment of this player. */
    async payment(playerId: string, paymentId: string): Promise<PaymentView> {
      const { rows } = await pool.query<PaymentRow>(
        'select id, player_id, kind, amount_cents, state, created_at from betting.payments where id = $1 and player_id = $2',
        [paymentId, playerId],
      );
      if (!rows[0]) throw new ApiError('PAYMENT_NOT_FOUND', 'No such payment.');
      return view(rows[0]);
    },

    balance: (playerId: string): Promise<bigint> => readBalance(pool, playerId),

    /** The player's cash entries, newest first, `limit` per page from before transaction `before`. */
    async statement(playerId: string, page: { limit: number; before?: string | undefined }): Promise<StatementLine[]> {
      const { rows } = await pool.query<{
        id: string;
        kind: string;
        reference: string | null;
        amount_cents: string;
        created_at: Date;
      }>(
        `select t.id::text, t.kind, t.reference, e.amount_cents, t.created_at
           from betting.ledger_accounts a
           join betting.ledger_entries e on e.account_id = a.id
           join betting.ledger_transactions t on t.id = e.transaction_id
          where a.kind = 'player_cash' and a.player_id = $1 and ($2::bigint is null or e.transaction_id < $2)
          order by e.transaction_id desc limit $3`,
        [playerId, page.before ?? null, page.limit],
      );
      return rows.map((r) => ({
        transactionId: r.id,
        kind: r.kind,
        reference: r.reference,
        amountCents: BigInt(r.amount_cents),
        at: r.created_at,
      }));
    },
  };
}

export type WalletService = ReturnType<typeof createWalletService>;
