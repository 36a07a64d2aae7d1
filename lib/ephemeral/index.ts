/**
 * lib/ephemeral — Redis's roles behind interfaces (one-shot login state, window counters for rate
 * limits, fan-out pub/sub, express-session stores), each with a Redis and an in-memory
 * implementation. The composition root picks one: Redis when `REDIS_URL` is set, memory otherwise
 * (the local stack). Postgres stays the truth.
 *
 * @packageDocumentation
 */
export type {
  Ephemeral,
  FanOut,
  OneShotStore,
  SessionStoreOptions,
  SessionStores,
  Unsubscribe,
  WindowCount,
  WindowCounter,
} from './ephemeral.js';
export {
  RedisFanOut,
  RedisOneShotStore,
  RedisWindowCounter,
  connectRedisClient,
  createRedisEphemeral,
  redisSessionStore,
} from './redis-ephemeral.js';
export {
  ExpiringMap,
  MemoryFanOut,
  MemoryOneShotStore,
  MemorySessionStore,
  MemoryWindowCounter,
  createMemoryEphemeral,
  type MemoryEphemeralOptions,
  type MillisClock,
} from './memory-ephemeral.js';
