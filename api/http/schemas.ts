import { z } from 'zod';
import { MAX_BATCH } from '../bets/bet-service.js';
import { LINE_LIMIT, MAX_RUNNERS, OUTCOME_SCHEMAS } from '../markets/outcome.js';

/** Cents as a JSON integer: positive and far below 2^53. */
const MAX_CENTS = 1_000_000_000_000; // €10 billion
const cents = (what: string) => z.number().int().positive().max(MAX_CENTS).describe(`${what}, in integer cents`);

export const MarketId = z
  .string()
  .regex(/^[1-9][0-9]{0,17}$/, 'a market id is a positive integer')
  .describe('Market id');
export const EventId = z.uuid().describe('Event id');
export const PaymentId = z.uuid().describe('Payment id');
const Cursor = z.string().regex(/^[1-9][0-9]{0,17}$/, 'a cursor is a positive integer');

export const MarketParams = z.object({ marketId: MarketId });
export const EventParams = z.object({ eventId: EventId });
export const PaymentParams = z.object({ paymentId: PaymentId });
export const CommandParams = z.object({ marketId: MarketId, command: z.enum(['open', 'suspend', 'close', 'void']) });

export const BetBody = z
  .strictObject({
    marketId: MarketId,
    selection: z.string().min(1).max(32).describe('Selection code: home/draw/away, over/under, or a runner number'),
    stakeCents: cents('Stake'),
  })
  .describe('One bet');
export const BatchBody = z
  .strictObject({ bets: z.array(BetBody).min(1).max(MAX_BATCH) })
  .describe(`1 to ${MAX_BATCH} bets, all or none`);
export const AmountBody = z.strictObject({ amountCents: cents('Amount') });

export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: Cursor.optional().describe('Return items older than this id (the last id of the previous page)'),
});
export const MyBetsQuery = PageQuery.extend({ state: z.enum(['open', 'settled']).optional() });
export const AdminEventsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: EventId.optional().describe('Return events that start before this one (the last id of the previous page)'),
});
export const EventsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  from: z.iso.datetime().optional().describe('Events starting at or after this instant (default: one day ago)'),
});

const HalfLine = z.number().min(-LINE_LIMIT).max(LINE_LIMIT);
export const MarketDefinitionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('match-winner') }),
  z.strictObject({ type: z.literal('total-goals'), line: HalfLine.describe('A half line, e.g. 2.5') }),
  z.strictObject({
    type: z.literal('handicap'),
    line: HalfLine.describe('A half line added to the home score, e.g. -1.5'),
  }),
  z.strictObject({ type: z.literal('race-win') }),
  z.strictObject({
    type: z.literal('race-place'),
    places: z
      .number()
      .int()
      .min(2)
      .max(MAX_RUNNERS - 1),
  }),
]);

export const NewEventBody = z.strictObject({
  oracleEventId: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'the 32-byte oracle event id, 0x-prefixed hex'),
  schema: z.enum(OUTCOME_SCHEMAS),
  name: z.string().min(1).max(200),
  startsAt: z.iso.datetime(),
  runners: z.number().int().min(2).max(MAX_RUNNERS).nullable().optional(),
});
export const NewMarketBody = z.strictObject({
  definition: MarketDefinitionSchema,
  closesAt: z.iso.datetime().describe('Cut-off: no bet at or after it; not after the event starts'),
  takeoutBps: z.number().int().min(0).max(10_000).describe('Takeout in basis points (1500 = 15%)'),
  minStakeCents: cents('Minimum stake'),
  maxStakeCents: cents('Maximum stake'),
});
export const CommandBody = z.strictObject({ reason: z.string().max(500).optional() });

// Responses (documented in the OpenAPI description; built by the routes).
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('Stable error code'),
    detail: z.string().optional(),
    instance: z.string(),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .describe('RFC 9457 problem details');
export const EventResult = z
  .object({
    phase: z.enum(['none', 'proposed', 'disputed', 'final']),
    provisional: z.boolean(),
    status: z.number().int(),
    version: z.number().int(),
    values: z.array(z.number().int()),
    transaction: z
      .object({ hash: z.string(), blockNumber: z.number().int().nullable() })
      .nullable()
      .describe("The transaction that published the result (the relayer's propose or batch root), when known"),
    finalAt: z
      .string()
      .nullable()
      .optional()
      .describe('When the chain reads it final (end of the dispute window; ISO, chain time)'),
  })
  .nullable()
  .describe('The on-chain result: provisional while proposed or disputed (nothing is paid on it)');

export const Bet = z.object({
  id: z.string(),
  marketId: z.string(),
  selection: z.string(),
  stakeCents: z.number().int(),
  placedAt: z.string(),
  state: z.enum(['accepted', 'won', 'lost', 'refunded']),
  payoutCents: z.number().int().nullable(),
  settlementId: z.string().nullable(),
  result: EventResult.optional().describe("The event's on-chain result (my bets): provisional until final"),
});
export const Bets = z.object({ bets: z.array(Bet) });
export const Selection = z.object({
  index: z.number().int(),
  code: z.string(),
  label: z.string(),
  poolCents: z.number().int().optional(),
  indicativeDividendCents: z
    .number()
    .int()
    .nullable()
    .optional()
    .describe('Indicative pay-out per €1 if it wins (pool odds)'),
});
export const Market = z.object({
  id: z.string(),
  eventId: z.string(),
  definition: MarketDefinitionSchema,
  state: z.enum(['inactive', 'open', 'suspended', 'closed', 'resulted', 'settled', 'voided']),
  closesAt: z.string(),
  takeoutBps: z.number().int(),
  minStakeCents: z.number().int(),
  maxStakeCents: z.number().int(),
  poolCents: z.number().int().optional(),
  selections: z.array(Selection),
});
export const Event = z.object({
  id: z.string(),
  oracleEventId: z.string(),
  schema: z.enum(OUTCOME_SCHEMAS),
  name: z.string(),
  startsAt: z.string(),
  runners: z.number().int().nullable(),
  markets: z.array(Market).optional(),
  result: EventResult.optional(),
});
export const Events = z.object({ events: z.array(Event) });
const ResultView = z.object({ status: z.number().int(), version: z.number().int(), values: z.array(z.number().int()) });
export const SettlementRun = z.object({
  id: z.string(),
  marketId: z.string(),
  definition: MarketDefinitionSchema,
  event: z.object({ id: z.string(), name: z.string(), oracleEventId: z.string() }),
  kind: z.enum(['paid', 'refunded']),
  result: ResultView.nullable().describe('The oracle result it settled from (null: the refund of a voided market)'),
  feedRowId: z.string().nullable().describe("The settler's feed row (null: a void's refund, or settled by hand)"),
  poolCents: z.number().int(),
  paidCents: z.number().int(),
  takeoutCents: z.number().int(),
  breakageCents: z.number().int(),
  refundedCents: z.number().int(),
  dividends: z.array(
    z.object({
      selection: z.number().int(),
      code: z.string(),
      label: z.string(),
      winningStakeCents: z.number().int(),
      dividendCents: z.number().int().describe('Pay-out per unit staked on the selection'),
      unitCents: z.number().int(),
    }),
  ),
  bets: z
    .number()
    .int()
    .nullable()
    .describe('Bets it settled (null once reversed: they went back to open, or to the refund replacing it)'),
  ledgerTxId: z.string().nullable(),
  settledAt: z.string(),
  reversal: z
    .object({ at: z.string(), by: z.string(), reason: z.string().nullable(), ledgerTxId: z.string().nullable() })
    .nullable(),
});
export const SettlementRuns = z.object({ settlements: z.array(SettlementRun) });
export const Balance = z.object({ balanceCents: z.number().int() });
export const Statement = z.object({
  lines: z.array(
    z.object({
      transactionId: z.string(),
      kind: z.string(),
      reference: z.string().nullable(),
      amountCents: z.number().int(),
      at: z.string(),
    }),
  ),
});
export const Payment = z.object({
  id: z.string(),
  kind: z.enum(['deposit', 'withdrawal']),
  amountCents: z.number().int(),
  state: z.enum(['pending', 'completed', 'failed']),
  createdAt: z.string(),
});
export const Health = z.object({ status: z.string(), checks: z.record(z.string(), z.string()).optional() });
export const WebhookBody = z.strictObject({
  paymentId: PaymentId,
  reference: z.string().min(1).max(200),
  status: z.enum(['completed', 'failed']),
});

// Oracle admin (attestations through oracle/admin.ts).
const uint = (max: number) => z.number().int().min(0).max(max);
const seconds = z.union([z.number().int().positive(), z.string().regex(/^\d{1,19}$/)]).describe('Unix seconds');
export const OutcomeBody = z.strictObject({
  status: uint(5).describe('ResultStatus: 1 Completed, 2 Cancelled, 3 Postponed, 4 Abandoned, 5 Void'),
  values: z.array(uint(0xffffffff)).max(64).describe("uint32 values read through the event's outcome schema"),
  endedAt: seconds,
  version: z.number().int().min(1).max(0xffffffff),
});
export const AttestationBody = OutcomeBody.extend({
  signature: z.string().regex(/^0x[0-9a-fA-F]{2,4096}$/, 'hex signature (EIP-712, or ERC-1271 bytes)'),
  signedWindow: z
    .strictObject({ notBefore: seconds, deadline: seconds, epoch: z.number().int().min(0) })
    .optional()
    .describe('The window the signature was made for (from the payload route)'),
});
export const OracleDocument = z.record(z.string(), z.unknown()).describe('Oracle view (bigints as decimal strings)');

const HealthText = z
  .enum(['ok', 'lagging', 'failing', 'unknown'])
  .describe('ok, lagging (behind its threshold), failing (failed publications, chain not answering), unknown');
const Iso = z.string().describe('ISO 8601 date');
/** `GET /admin/ops`: the live operations figures (docs/api.md, "Operations view"). */
export const Operations = z
  .object({
    at: Iso,
    asOf: Iso.describe(
      'When bets.openBets, bets.openStakeCents and markets[] were computed: each instance reuses them for up to 5 s',
    ),
    bets: z.object({
      perSecond: z.number().describe('Bets accepted per second over the last minute (every API instance: Postgres)'),
      lastMinute: z.number().int().nullable().describe('Bets of the last minute; null when the rate is estimated'),
      estimated: z.boolean().describe('True when more bets than the sample: the rate of the newest 10 000'),
      openBets: z.number().int().describe('Bets accepted and not settled (every market)'),
      openStakeCents: z.number().int(),
    }),
    markets: z
      .array(
        z.object({
          marketId: MarketId,
          eventId: EventId,
          eventName: z.string(),
          definition: z.record(z.string(), z.unknown()).describe('The market definition (type, line, places)'),
          closesAt: Iso,
          openBets: z.number().int(),
          stakeCents: z.number().int().describe('Sum of the accepted stakes'),
        }),
      )
      .describe('Open markets by stake, largest first (at most 200)'),
    rejections: z.object({
      scope: z.literal('instance').describe('Counters of the API instance that answered, since it started'),
      since: Iso,
      byCode: z.array(z.object({ code: z.string(), count: z.number().int() })),
    }),
    relayer: z.object({
      health: HealthText,
      pending: z.number().int().nullable(),
      failed: z.number().int().nullable(),
      oldestPendingAt: Iso.nullable(),
      byState: z.array(
        z.object({ state: z.string(), errorCode: z.string().nullable(), count: z.number().int(), oldestAt: Iso }),
      ),
    }),
    indexer: z.object({
      health: HealthText,
      lastIndexedBlock: z.number().int().nullable(),
      indexedAt: Iso.nullable(),
      feedHead: z.object({ id: z.string(), at: Iso }).nullable(),
    }),
    settler: z.object({
      health: HealthText,
      cursorName: z.string(),
      cursor: z.string(),
      cursorUpdatedAt: Iso.nullable(),
      feedHead: z.string().nullable(),
      lagRows: z.number().int().nullable(),
      lagRowsCapped: z.boolean(),
      lagSeconds: z
        .number()
        .nullable()
        .describe('Age of the oldest feed row the settler has not handled (0: caught up)'),
    }),
    chain: z.object({
      health: HealthText,
      headBlock: z.number().int().nullable().describe("The API process's provider"),
      indexedBlock: z.number().int().nullable(),
      lagBlocks: z.number().int().nullable(),
    }),
  })
  .describe('Live operations figures');
