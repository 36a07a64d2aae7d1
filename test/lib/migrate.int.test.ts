import pg from 'pg';
import { migrate, type Migration } from '../../lib/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

describe('migrate', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase('migrate');
    pool = new pg.Pool({ connectionString: db.url });
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  const first: Migration[] = [
    { id: '0001_a', sql: 'create table a (id int primary key)' },
    { id: '0002_b', sql: 'create table b (id int primary key)' },
  ];

  it('applies each migration once, in order, even when two instances start together', async () => {
    const [one, two] = await Promise.all([migrate(pool, 'demo', first), migrate(pool, 'demo', first)]);
    expect([...one, ...two].sort()).toEqual(['0001_a', '0002_b']);
    expect(await migrate(pool, 'demo', first)).toEqual([]);
  });

  it('rolls back everything of a run whose migration fails', async () => {
    const broken = [...first, { id: '0003_c', sql: 'create table c (id int)' }, { id: '0004_bad', sql: 'select nope' }];
    await expect(migrate(pool, 'demo', broken)).rejects.toThrow(/nope/);
    const tables = await pool.query("select 1 from information_schema.tables where table_name = 'c'");
    expect(tables.rowCount).toBe(0);
  });

  it('refuses a module name that is not an identifier', async () => {
    await expect(migrate(pool, 'x; drop table a', first)).rejects.toThrow(TypeError);
  });
});
