import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RedisStore } from 'connect-redis';
import express from 'express';
import { Redis } from 'ioredis';
import { connectRedisClient, createSessionMiddleware } from '../../kyc/index.js';
import { testRedisPrefix, testRedisUrl } from '../support/services.js';

describe('createSessionMiddleware (connect-redis over ioredis)', () => {
  const redis = new Redis(testRedisUrl());
  const prefix = testRedisPrefix('kyc_session');
  let base: string;
  const server = createServer();

  beforeAll(async () => {
    const app = express();
    app.set('trust proxy', 1);
    app.use(createSessionMiddleware({ redis, prefix, secrets: ['s'.repeat(40)], cookieSecure: true, ttlSeconds: 120 }));
    app.get('/touch', (req, res) => {
      req.session.kycLoginStartedAt = 1;
      res.send('ok');
    });
    server.on('request', app);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('sets a Secure, HttpOnly, SameSite=Lax cookie behind TLS and stores the session in Redis with a TTL', async () => {
    const response = await fetch(`${base}/touch`, { headers: { 'x-forwarded-proto': 'https' } });
    const cookie = response.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/^verdict\.sid=/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    const keys = await redis.keys(`${prefix}*`);
    expect(keys).toHaveLength(1);
    const ttl = await redis.ttl(keys[0]!);
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
  });

  it('never issues a Secure cookie over plain http (so Secure must be configured off for localhost)', async () => {
    const response = await fetch(`${base}/touch`);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('supports the whole connect-redis store API through the ioredis facade', async () => {
    const store = new RedisStore({ client: connectRedisClient(redis), prefix: `${prefix}api:`, ttl: 60 });
    const session = { cookie: { originalMaxAge: null }, kycLoginStartedAt: 5 } as never;
    await store.set('a', session);
    await store.set('b', session);
    expect(await store.get('a')).toMatchObject({ kycLoginStartedAt: 5 });
    await store.touch('a', session);
    expect(await store.length()).toBe(2);
    expect(((await store.ids()) as string[]).sort()).toEqual(['a', 'b']);
    expect(await store.all()).toHaveLength(2);
    await store.destroy('a');
    expect(await store.get('a')).toBeNull();
    await store.clear();
    expect(await store.length()).toBe(0);
  });
});
