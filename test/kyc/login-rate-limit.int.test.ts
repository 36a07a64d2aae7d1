import { Redis } from 'ioredis';
import { RedisWindowCounter } from '../../lib/ephemeral/index.js';
import { LoginRateLimiter } from '../../kyc/login/login-rate-limit.js';
import { testRedisPrefix, testRedisUrl } from '../support/services.js';
import { expectProblem } from './support/expect-problem.js';
import { startHarness, type Harness } from './support/harness.js';

describe('login start rate limit (per client, in Redis)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      label: 'kyc_rate',
      env: { KYC_LOGIN_RATE_LIMIT: '5', KYC_LOGIN_RATE_WINDOW_SECONDS: '60' },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('200 anonymous GET /auth/franceconnect: 5 start, the rest get 429, and Redis holds 11 keys at most', async () => {
    const keys = async () => (await h.redis.keys(`${h.config.redisPrefix}*`)).length;
    const before = await keys();
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let batch = 0; batch < 10; batch++) {
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          fetch(`${h.appBase}/auth/franceconnect`, { headers: { accept: 'application/json' }, redirect: 'manual' }),
        ),
      );
      for (const r of responses) {
        statuses.push(r.status);
        if (r.status === 429) refused ??= r;
        else await r.body?.cancel();
      }
    }
    expect(statuses.filter((s) => s === 303)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(195);
    // 5 sessions + 5 login states + 1 counter.
    expect((await keys()) - before).toBeLessThanOrEqual(11);
    const retryAfter = Number(refused!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await expectProblem(refused!, 429, 'KYC_RATE_LIMITED');
  });
});

describe('LoginRateLimiter', () => {
  const redis = new Redis(testRedisUrl());
  const prefix = testRedisPrefix('kyc_rate_unit');
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('counts each client on its own, within a window that expires', async () => {
    const limiter = new LoginRateLimiter(new RedisWindowCounter(redis), { prefix, limit: 2, windowSeconds: 1 });
    expect((await limiter.take('198.51.100.1')).allowed).toBe(true);
    expect((await limiter.take('198.51.100.1')).allowed).toBe(true);
    expect((await limiter.take('198.51.100.1')).allowed).toBe(false);
    expect((await limiter.take('198.51.100.2')).allowed).toBe(true);
    const keys = await redis.keys(`${prefix}*`);
    expect(keys).toHaveLength(2);
    // Keys are hashes: the address itself is never stored.
    expect(keys.join()).not.toContain('198.51.100');
    expect(await redis.ttl(keys[0]!)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await limiter.take('198.51.100.1')).allowed).toBe(true);
  });
});
