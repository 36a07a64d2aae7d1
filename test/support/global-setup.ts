import pg from 'pg';
import { Redis } from 'ioredis';

/**
 * Integration tests run against the real services of the machine. Fail fast, naming the
 * service and the variable to set, instead of letting every test time out.
 */
export default async function globalSetup(): Promise<void> {
  const client = new pg.Client({ connectionString: testDatabaseUrl(), connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(`Postgres is not reachable at TEST_DATABASE_URL (${redact(testDatabaseUrl())})`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
  const redis = new Redis(testRedisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5_000 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis is not reachable at TEST_REDIS_URL (${redact(testRedisUrl())})`, { cause: error });
  } finally {
    redis.disconnect();
  }
}

// jest loads globalSetup outside its module mapper, so this file imports nothing relative.
const testDatabaseUrl = (): string => process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const testRedisUrl = (): string => process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
