import { Redis } from 'ioredis';
import { createRedisEphemeral } from '../../../lib/ephemeral/index.js';
import { testRedisPrefix, testRedisUrl } from '../../support/services.js';
import { describeEphemeralContract } from './contract.js';

const clients: Redis[] = [];
const prefix = testRedisPrefix('ephemeral');

describeEphemeralContract('Redis (real server)', () => ({
  sharedAcrossInstances: true,
  create({ onError }) {
    const redis = new Redis(testRedisUrl());
    clients.push(redis);
    return Promise.resolve(createRedisEphemeral(redis, { onError }));
  },
  key: (name) => `${prefix}${name}`,
  async cleanup() {
    const redis = clients[0]!;
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    for (const client of clients) client.disconnect();
  },
}));
