import { LiveError } from './errors.js';

/** A client-facing channel, parsed. */
export type LiveChannel =
  | { readonly kind: 'market'; readonly name: string; readonly marketId: string }
  | { readonly kind: 'me'; readonly name: 'me' }
  | { readonly kind: 'admin'; readonly name: 'admin' };

/** What a client may send: subscribe to or unsubscribe from one channel. */
export interface ClientMessage {
  readonly type: 'subscribe' | 'unsubscribe';
  readonly channel: string;
}

const MARKET = /^market:([1-9][0-9]{0,18})$/;

/** `market:<id>` (a positive bigint id), `me`, `admin`. */
export function parseChannel(channel: string): LiveChannel {
  if (channel === 'me') return { kind: 'me', name: 'me' };
  if (channel === 'admin') return { kind: 'admin', name: 'admin' };
  const m = MARKET.exec(channel);
  if (m && BigInt(m[1]!) <= 9223372036854775807n) return { kind: 'market', name: channel, marketId: m[1]! };
  throw new LiveError('LIVE_CHANNEL_UNKNOWN', 'Channels are market:<id>, me and admin.');
}

/**
 * A client's text frame as a {@link ClientMessage}.
 *
 * @throws {LiveError} LIVE_MESSAGE_INVALID when it is not JSON of that shape.
 */
export function parseClientMessage(text: string): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new LiveError('LIVE_MESSAGE_INVALID', 'The message is not JSON.', { cause: error });
  }
  const v = value as { type?: unknown; channel?: unknown } | null;
  if (
    typeof v !== 'object' ||
    v === null ||
    Array.isArray(v) ||
    (v.type !== 'subscribe' && v.type !== 'unsubscribe') ||
    typeof v.channel !== 'string' ||
    v.channel.length > 64
  ) {
    throw new LiveError('LIVE_MESSAGE_INVALID', 'Send {"type":"subscribe"|"unsubscribe","channel":"…"}.');
  }
  return { type: v.type, channel: v.channel };
}

/** FanOut channel names (shared by every API instance and the settler through one prefix). */
export const fanOutChannels = (prefix: string) => ({
  market: (marketId: string) => `${prefix}live:market:${marketId}`,
  player: (accountId: string) => `${prefix}live:player:${accountId}`,
  admin: () => `${prefix}live:admin`,
});
