/**
 * Market lifecycle: inactive → open → suspended ⇄ open → closed (at the cut-off, before the event
 * starts) → resulted → settled; any state before settled can go to voided (every stake refunded).
 * Bets are accepted only in `open` and strictly before `closesAt`.
 */
export const MARKET_STATES = ['inactive', 'open', 'suspended', 'closed', 'resulted', 'settled', 'voided'] as const;
export type MarketState = (typeof MARKET_STATES)[number];

/** What an admin (or the settler) asks for. */
export type MarketCommand = 'open' | 'suspend' | 'close' | 'result' | 'settle' | 'void';

const TRANSITIONS: Readonly<
  Record<MarketCommand, { readonly from: readonly MarketState[]; readonly to: MarketState }>
> = {
  open: { from: ['inactive', 'suspended'], to: 'open' },
  suspend: { from: ['open'], to: 'suspended' },
  close: { from: ['open', 'suspended'], to: 'closed' },
  result: { from: ['closed'], to: 'resulted' },
  settle: { from: ['resulted'], to: 'settled' },
  // A void after settlement (palpable error) needs compensating entries: a separate, later command.
  void: { from: ['inactive', 'open', 'suspended', 'closed', 'resulted'], to: 'voided' },
};

/**
 * The state a command leads to, or null when the command is not allowed from `from`.
 * Opening after the cut-off is refused by the caller (it knows the clock), not here.
 */
export function transition(from: MarketState, command: MarketCommand): MarketState | null {
  const t = TRANSITIONS[command];
  return t.from.includes(from) ? t.to : null;
}

/** States a command may start from (for the SQL `where state = any(...)` guard). */
export function sourcesOf(command: MarketCommand): readonly MarketState[] {
  return TRANSITIONS[command].from;
}

/** The state players see: an open market past its cut-off is closed even before the sweep writes it. */
export function effectiveState(state: MarketState, closesAt: Date, now: Date): MarketState {
  return (state === 'open' || state === 'suspended') && now.getTime() >= closesAt.getTime() ? 'closed' : state;
}
