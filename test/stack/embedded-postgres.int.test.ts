import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { withTransaction } from '../../lib/db/transaction.js';
import { migrateAll, startEmbeddedPostgres, type EmbeddedPostgres } from '../../stack/embedded-postgres.js';

describe('embedded Postgres (PGlite over pglite-socket, reached with pg)', () => {
  let dataDir: string;
  let db: EmbeddedPostgres;
  let pool: pg.Pool;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'verdict-pglite-'));
    db = await startEmbeddedPostgres({ dataDir });
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
  });
  afterAll(async () => {
    await pool.end();
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('applies the migrations of kyc, oracle and api, and a second run applies nothing', async () => {
    const first = await migrateAll(db.url);
    expect(first.kyc.length).toBeGreaterThan(0);
    expect(first.oracle.length).toBeGreaterThan(0);
    expect(first.api.length).toBeGreaterThan(0);
    const { rows } = await pool.query<{ schema_name: string }>(
      `select schema_name from information_schema.schemata where schema_name in ('kyc', 'betting') order by 1`,
    );
    expect(rows.map((r) => r.schema_name)).toEqual(['betting', 'kyc']);
    expect(await migrateAll(db.url)).toEqual({ kyc: [], oracle: [], api: [] });
  });

  it('commits a transaction, rolls a failing one back, and serves parallel pool queries', async () => {
    await pool.query('create table stack_t (id int primary key, note text not null)');
    await withTransaction(pool, async (c) => {
      await c.query(`insert into stack_t values (1, 'kept')`);
      await c.query(`insert into stack_t values (2, 'kept')`);
    });
    await expect(
      withTransaction(pool, async (c) => {
        await c.query(`insert into stack_t values (3, 'dropped')`);
        await c.query(`insert into stack_t values (1, 'duplicate')`);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    const counts = await Promise.all(
      Array.from({ length: 4 }, () => pool.query<{ n: number }>('select count(*)::int as n from stack_t')),
    );
    expect(counts.map((r) => r.rows[0]!.n)).toEqual([2, 2, 2, 2]);
  });

  it('keeps the data in its folder across a restart', async () => {
    await pool.end();
    await db.close();
    db = await startEmbeddedPostgres({ dataDir });
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    const { rows } = await pool.query<{ id: number; note: string }>('select id, note from stack_t order by id');
    expect(rows).toEqual([
      { id: 1, note: 'kept' },
      { id: 2, note: 'kept' },
    ]);
    expect(await migrateAll(db.url)).toEqual({ kyc: [], oracle: [], api: [] });
  });
});

describe('embedded Postgres under concurrent extended-protocol queries', () => {
  it('keeps each connection’s Parse/Bind/Execute/Sync together (no "unnamed prepared statement" mix-ups)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'verdict-pglite-mix-'));
    const db = await startEmbeddedPostgres({ dataDir });
    const pool = new pg.Pool({ connectionString: db.url, max: 8 });
    try {
      await pool.query('create table mix (id serial primary key, a int not null, b text not null)');
      const worker = async (w: number) => {
        for (let i = 0; i < 40; i++) {
          if (i % 3 === 0) {
            await withTransaction(pool, async (c) => {
              await c.query('insert into mix (a, b) values ($1, $2)', [w, `w${w}`]);
              await c.query('select count(*) from mix where a = $1', [w]);
            });
          } else if (i % 3 === 1) {
            await pool.query('select $1::int + $2::int as s, $3::text as t', [w, i, 'x']);
          } else {
            await pool.query('select count(*)::int as n from mix where a = $1', [w]);
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
      const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from mix');
      expect(rows[0]!.n).toBe(8 * 14);
    } finally {
      await pool.end();
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
