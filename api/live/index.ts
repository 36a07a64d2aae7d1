/**
 * api/live — live updates over WebSocket (`ws`) on the API's own HTTP server, path `/live`.
 *
 * Public surface (the composition root, api/process.ts, imports only from here):
 * - {@link createLiveModule}: the WebSocket edge (Origin check, session auth of `me`/`admin`,
 *   per-socket limits, heartbeat, slow-consumer drop) over the FanOut of lib/ephemeral;
 * - {@link createLivePublisher}: what the API and the settler call to announce changes on the FanOut;
 * - {@link sessionAuthenticator}: authenticates a socket with the API's session middleware and guards;
 * - {@link createOracleChanges} / {@link oracleEventsInProgress}: the admin feed's poll and snapshot list;
 * - {@link LiveError} and its codes; {@link Coalescer} (leading + trailing edge throttle).
 *
 * Protocol: docs/api.md, "Live updates".
 *
 * @packageDocumentation
 */
export {
  createLiveModule,
  DEFAULT_LIVE_LIMITS,
  type LiveModule,
  type LiveModuleDeps,
  type LiveAuthenticate,
  type LivePrincipal,
  type LiveReads,
  type LiveLimits,
  type LiveStats,
  type LiveChannelKind,
  type OracleChanges,
} from './live-module.js';
export { createLivePublisher, type LivePublisher, type LiveBet } from './publisher.js';
export { sessionAuthenticator, type SessionGuards } from './session-auth.js';
export { createOracleChanges, oracleEventsInProgress } from './oracle-watch.js';
export { parseChannel, parseClientMessage, fanOutChannels, type LiveChannel, type ClientMessage } from './channels.js';
export { Coalescer, systemClock, type LiveClock } from './coalescer.js';
export { LiveError, isLiveError, LIVE_CLOSE_CODES, LIVE_UPGRADE_STATUS, type LiveErrorCode } from './errors.js';
