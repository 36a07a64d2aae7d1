import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Postgres of the machine (trust auth on loopback); override with TEST_DATABASE_URL. */
export function testDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/** Redis of the machine; override with TEST_REDIS_URL. */
export function testRedisUrl(): string {
  return process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A database of its own for one test file, dropped by `drop()`. */
export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database named after `label` with a random suffix, so that test files
 * (and parallel jest workers) never share state. Migrations are the caller's business.
 */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `verdict_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl() });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: testDatabaseUrl() });
      await client.connect();
      try {
        // pg's Pool.end() resolves before its sockets are closed: give the backends a moment to
        // leave, so that FORCE does not kill a connection whose client would report the kill.
        for (let i = 0; i < 40; i++) {
          const { rows } = await client.query<{ n: number }>(
            'select count(*)::int as n from pg_stat_activity where datname = $1',
            [name],
          );
          if (rows[0]?.n === 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A Redis key prefix of its own for one test file. */
export function testRedisPrefix(label: string): string {
  return `test:${label}:${randomBytes(4).toString('hex')}:`;
}
