import pg from 'pg';
import { atomically, withSavepoint, withTransaction } from '../../lib/db/transaction.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

describe('withSavepoint and atomically (real Postgres)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase('lib_savepoint');
    pool = new pg.Pool({ connectionString: db.url, max: 3 });
    await pool.query('create table t (id int primary key)');
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });
  beforeEach(async () => {
    await pool.query('truncate t');
  });
  const ids = async () => (await pool.query<{ id: number }>('select id from t order by id')).rows.map((r) => r.id);

  it("rolls back only its own statements and leaves the caller's transaction usable", async () => {
    await withTransaction(pool, async (client) => {
      await client.query('insert into t values (1)');
      await expect(
        withSavepoint(client, async (c) => {
          await c.query('insert into t values (2)');
          await c.query('insert into t values (1)'); // unique violation
        }),
      ).rejects.toMatchObject({ code: '23505' });
      await client.query('insert into t values (3)');
    });
    expect(await ids()).toEqual([1, 3]);
  });

  it('atomically: its own transaction on a pool, a savepoint on a caller client (committed with the caller)', async () => {
    await atomically(pool, (c) => c.query('insert into t values (10)'));
    await expect(
      withTransaction(pool, async (client) => {
        await atomically({ transaction: client }, (c) => c.query('insert into t values (11)'));
        // A bare pool client is recognised as a caller's transaction too (never a second begin on it).
        await atomically(client, (c) => c.query('insert into t values (12)'));
        throw new Error('caller fails');
      }),
    ).rejects.toThrow('caller fails');
    expect(await ids()).toEqual([10]);
  });
});
