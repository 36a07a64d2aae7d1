/**
 * Stable codes of the live (WebSocket) edge. Sent to the client as
 * `{"type":"error","channel":C,"code":…}` (the socket stays open), or as the HTTP status of a refused
 * upgrade ({@link LIVE_UPGRADE_STATUS}), or as a close code ({@link LIVE_CLOSE_CODES}). Clients may
 * switch on them; messages never carry secrets nor another player's data.
 */
export type LiveErrorCode =
  /** A message that is not JSON, or not `{"type":"subscribe"|"unsubscribe","channel":string}`. */
  | 'LIVE_MESSAGE_INVALID'
  /** A channel that is none of `market:<id>`, `me`, `admin`. */
  | 'LIVE_CHANNEL_UNKNOWN'
  /** `me` without a signed-in player session (or the session ended). */
  | 'LIVE_NOT_AUTHENTICATED'
  /** `admin` without a live staff session (or it ended). */
  | 'LIVE_STAFF_NOT_AUTHENTICATED'
  /** More subscriptions on one socket than the server allows. */
  | 'LIVE_TOO_MANY_SUBSCRIPTIONS'
  /** The market of `market:<id>` does not exist. */
  | 'MARKET_NOT_FOUND'
  /** The snapshot could not be read (Postgres, Redis or the chain did not answer); subscribe again later. */
  | 'LIVE_UNAVAILABLE'
  /** Upgrade refused: the Origin header is missing or not an allowed origin. */
  | 'LIVE_ORIGIN_REFUSED'
  /** Upgrade refused: the server is closing. */
  | 'LIVE_CLOSING';

/** A failure of the live edge with a stable {@link LiveErrorCode}. */
export class LiveError extends Error {
  constructor(
    readonly code: LiveErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LiveError';
  }
}

export function isLiveError(error: unknown, code?: LiveErrorCode): error is LiveError {
  return error instanceof LiveError && (code === undefined || error.code === code);
}

/** HTTP status of a refused upgrade (answered before any WebSocket handshake, body problem+json). */
export const LIVE_UPGRADE_STATUS: Readonly<Partial<Record<LiveErrorCode, number>>> = {
  LIVE_ORIGIN_REFUSED: 403,
  LIVE_CLOSING: 503,
};

/** WebSocket close codes the server uses (RFC 6455 §7.4; 4000–4999 are private). */
export const LIVE_CLOSE_CODES = {
  /** The server is shutting down. */
  goingAway: 1001,
  /** A message larger than the limit (ws closes with it by itself). */
  tooBig: 1009,
  /** The socket did not answer two heartbeats in a row. */
  dead: 4000,
  /** The client did not read fast enough: its send buffer passed the limit. */
  slowConsumer: 4008,
} as const;
