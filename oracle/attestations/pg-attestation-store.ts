import { getAddress } from 'ethers';
import type pg from 'pg';
import { withTransaction } from '../../lib/db/transaction.js';
import { OracleError } from '../errors.js';
import type { Result, ResultStatus } from '../result.js';
import type {
  AttestationConflict,
  AttesterBinding,
  AttestationSource,
  AttestationStore,
  ConflictPayload,
  ConflictRecord,
  NewAttestation,
  PutReceipt,
  ReadyQueryOptions,
  StoredAttestation,
} from './attestation-store.js';
import type { AttesterSet } from './attester-set.js';

interface AttestationRow {
  event_id: string;
  version: string;
  attester: string;
  admin_id: string;
  outcome_key: string;
  status: number;
  outcome_values: string[];
  ended_at: string;
  not_before: string;
  deadline: string;
  epoch: string;
  digest: string;
  signature: string;
  source: AttestationSource;
  is_contract: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `event_id, version, attester, admin_id, outcome_key, status, outcome_values, ended_at, not_before,
  deadline, epoch, digest, signature, source, is_contract, created_at, updated_at`;

interface BindingRow {
  attester: string;
  admin_id: string;
  is_contract: boolean;
  created_at: Date;
}

const BINDING_COLUMNS = 'attester, admin_id, is_contract, created_at';

/** Postgres implementation of {@link AttestationStore} (tables of `0001_attestations.sql`, `0003_contract_attesters.sql`). */
export class PgAttestationStore implements AttestationStore {
  private readonly pool: pg.Pool;

  constructor(deps: { readonly pool: pg.Pool }) {
    this.pool = deps.pool;
  }

  async bind(
    adminId: string,
    attester: string,
    options: { readonly contract?: boolean } = {},
  ): Promise<'bound' | 'updated' | 'unchanged'> {
    const address = attester.toLowerCase();
    const contract = options.contract ?? false;
    return this.transaction(async (client) => {
      await lockBindings(client);
      const { rows } = await client.query<BindingRow>(
        `select ${BINDING_COLUMNS} from oracle_attester_bindings where attester = $1 or admin_id = $2`,
        [address, adminId],
      );
      const same = rows.find((r) => r.attester === address && r.admin_id === adminId);
      if (same && rows.length === 1) {
        if (same.is_contract === contract) return 'unchanged';
        await client.query(`update oracle_attester_bindings set is_contract = $2 where attester = $1`, [
          address,
          contract,
        ]);
        await recordBinding(client, 'updated', address, adminId, contract);
        return 'updated';
      }
      if (rows.length > 0) {
        const taken = rows.map((r) => `${getAddress(r.attester)} → admin ${r.admin_id}`).join(', ');
        throw new OracleError(
          'ORACLE_BINDING_CONFLICT',
          `attester ${getAddress(address)} or admin ${adminId} is already bound (${taken}); ` +
            'one key per admin, one admin per key: unbind first',
        );
      }
      await client.query(`insert into oracle_attester_bindings (attester, admin_id, is_contract) values ($1, $2, $3)`, [
        address,
        adminId,
        contract,
      ]);
      await recordBinding(client, 'bound', address, adminId, contract);
      return 'bound';
    });
  }

  async unbind(adminId: string, options: { readonly attester?: string } = {}): Promise<AttesterBinding | undefined> {
    return this.transaction(async (client) => {
      await lockBindings(client);
      const { rows } = await client.query<BindingRow>(
        `delete from oracle_attester_bindings where admin_id = $1 and ($2::text is null or attester = $2)
         returning ${BINDING_COLUMNS}`,
        [adminId, options.attester?.toLowerCase() ?? null],
      );
      const row = rows[0];
      if (!row) return undefined;
      await recordBinding(client, 'unbound', row.attester, row.admin_id, row.is_contract);
      return toBinding(row);
    });
  }

  async attesterOf(adminId: string): Promise<string | undefined> {
    return (await this.bindingOf(adminId))?.attester;
  }

  async bindingOf(adminId: string): Promise<AttesterBinding | undefined> {
    const { rows } = await this.pool.query<BindingRow>(
      `select ${BINDING_COLUMNS} from oracle_attester_bindings where admin_id = $1`,
      [adminId],
    );
    return rows[0] ? toBinding(rows[0]) : undefined;
  }

  async bindings(): Promise<AttesterBinding[]> {
    const { rows } = await this.pool.query<BindingRow>(
      `select ${BINDING_COLUMNS} from oracle_attester_bindings order by admin_id`,
    );
    return rows.map(toBinding);
  }

  async put(attestation: NewAttestation, set: AttesterSet): Promise<PutReceipt> {
    const r = attestation.result;
    const attester = attestation.attester.toLowerCase();
    return this.transaction(async (client) => {
      await lockEventVersion(client, r.eventId, r.version);
      const existing = await client.query<{ digest: string }>(
        `select digest from oracle_attestations where event_id = $1 and version = $2 and attester = $3 for update`,
        [r.eventId, r.version, attester],
      );
      let action: PutReceipt['action'];
      const params = [
        r.eventId,
        r.version,
        attester,
        attestation.adminId,
        attestation.outcomeKey,
        r.status,
        r.values.map(String),
        r.endedAt.toString(),
        r.notBefore.toString(),
        r.deadline.toString(),
        r.epoch,
        attestation.digest.toLowerCase(),
        attestation.signature.toLowerCase(),
        attestation.source,
        attestation.contract,
      ];
      if (!existing.rows[0]) {
        await client.query(
          `insert into oracle_attestations (event_id, version, attester, admin_id, outcome_key, status, outcome_values,
             ended_at, not_before, deadline, epoch, digest, signature, source, is_contract)
           values ($1, $2, $3, $4, $5, $6, $7::bigint[], $8, $9, $10, $11, $12, $13, $14, $15)`,
          params,
        );
        action = 'created';
      } else if (existing.rows[0].digest === attestation.digest.toLowerCase()) {
        action = 'unchanged';
      } else {
        await client.query(
          `update oracle_attestations set admin_id = $4, outcome_key = $5, status = $6, outcome_values = $7::bigint[],
             ended_at = $8, not_before = $9, deadline = $10, epoch = $11, digest = $12, signature = $13, source = $14,
             is_contract = $15, updated_at = now()
           where event_id = $1 and version = $2 and attester = $3`,
          params,
        );
        action = 'replaced';
      }
      if (action !== 'unchanged') {
        await client.query(
          `insert into oracle_attestation_history (action, event_id, version, attester, admin_id, outcome_key, digest,
             epoch, signature, is_contract) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [
            action,
            r.eventId,
            r.version,
            attester,
            attestation.adminId,
            attestation.outcomeKey,
            params[11],
            r.epoch,
            params[12],
            attestation.contract,
          ],
        );
      }
      const conflict = await recordConflictState(client, r.eventId, r.version, set);
      const support = await client.query<{ n: string }>(
        `select count(*) as n from oracle_attestations where digest = $1 and epoch = $2 and attester = any($3::text[])`,
        [attestation.digest.toLowerCase(), set.epoch, lower(set.attesters)],
      );
      return { action, conflict, support: Number(support.rows[0]!.n) };
    });
  }

  async withdraw(
    request: { adminId: string; attester: string; eventId: string; version: number },
    set: AttesterSet,
  ): Promise<boolean> {
    const eventId = request.eventId.toLowerCase();
    const attester = request.attester.toLowerCase();
    return this.transaction(async (client) => {
      await lockEventVersion(client, eventId, request.version);
      const deleted = await client.query(
        `delete from oracle_attestations where event_id = $1 and version = $2 and attester = $3`,
        [eventId, request.version, attester],
      );
      if (deleted.rowCount === 0) return false;
      await client.query(
        `insert into oracle_attestation_history (action, event_id, version, attester, admin_id)
         values ('withdrawn', $1, $2, $3, $4)`,
        [eventId, request.version, attester, request.adminId],
      );
      await recordConflictState(client, eventId, request.version, set);
      return true;
    });
  }

  async forEvent(eventId: string): Promise<StoredAttestation[]> {
    const { rows } = await this.pool.query<AttestationRow>(
      `select ${COLUMNS} from oracle_attestations where event_id = $1 order by version, created_at, attester`,
      [eventId.toLowerCase()],
    );
    return rows.map(toAttestation);
  }

  async conflicts(set: AttesterSet, filter: { eventId?: string } = {}): Promise<AttestationConflict[]> {
    const { rows } = await this.pool.query<AttestationRow & { opened_at: Date | null }>(
      `with live as (
         select * from oracle_attestations
         where epoch = $1 and attester = any($2::text[]) and ($3::text is null or event_id = $3)
       ), conflicted as (
         select event_id, version from live group by event_id, version having count(distinct outcome_key) > 1
       )
       select ${COLUMNS.replace(/(\w+)/g, 'l.$1')}, c.opened_at
       from live l
       join conflicted using (event_id, version)
       left join oracle_attestation_conflicts c
         on c.event_id = l.event_id and c.version = l.version and c.resolved_at is null
       order by l.event_id, l.version, l.outcome_key, l.attester`,
      [set.epoch, lower(set.attesters), filter.eventId?.toLowerCase() ?? null],
    );
    const byKey = new Map<string, { conflict: AttestationConflict; payloads: Map<string, ConflictPayload> }>();
    for (const row of rows) {
      const key = `${row.event_id}:${row.version}`;
      let entry = byKey.get(key);
      if (!entry) {
        entry = {
          conflict: {
            eventId: row.event_id,
            version: Number(row.version),
            openedAt: row.opened_at ?? undefined,
            payloads: [],
          },
          payloads: new Map(),
        };
        byKey.set(key, entry);
      }
      const payload = entry.payloads.get(row.outcome_key) ?? {
        outcomeKey: row.outcome_key,
        status: row.status as ResultStatus,
        values: row.outcome_values.map(Number),
        endedAt: BigInt(row.ended_at),
        attesters: [],
      };
      entry.payloads.set(row.outcome_key, { ...payload, attesters: [...payload.attesters, getAddress(row.attester)] });
    }
    return [...byKey.values()].map((e) => ({ ...e.conflict, payloads: [...e.payloads.values()] }));
  }

  async conflictHistory(eventId: string): Promise<ConflictRecord[]> {
    const { rows } = await this.pool.query<{
      event_id: string;
      version: string;
      epoch: string;
      outcome_keys: string[];
      opened_at: Date;
      resolved_at: Date | null;
    }>(
      `select event_id, version, epoch, outcome_keys, opened_at, resolved_at from oracle_attestation_conflicts
       where event_id = $1 order by opened_at desc, id desc`,
      [eventId.toLowerCase()],
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      version: Number(r.version),
      epoch: Number(r.epoch),
      outcomeKeys: r.outcome_keys,
      openedAt: r.opened_at,
      resolvedAt: r.resolved_at ?? undefined,
    }));
  }

  /**
   * One pass over the current epoch's attestations, shaped so that the plan stays good without fresh
   * statistics (the former CTE + `not exists` over a grouped CTE turned into a nested loop of 8.9 s at
   * 3,600 rows before ANALYZE): group by payload, flag conflicts with a window over (event, version) instead
   * of a self-join, leave out what the outbox holds with equality probes (`oracle_publications_held`,
   * `oracle_batch_items_key`), take `limit` payloads, then fetch their rows by digest. See bench/ready-results.ts.
   */
  async ready(set: AttesterSet, options: ReadyQueryOptions): Promise<StoredAttestation[][]> {
    const params: unknown[] = [set.epoch, lower(set.attesters), set.threshold, options.now.toString(), options.limit];
    // Each exclusion is a correlated scalar subquery, never pulled up into a join: one index probe per
    // payload whatever the planner believes about the row counts. (As `not exists`, the planner without
    // statistics joined on the (chain_id, contract) prefix and filtered outcome_key afterwards; with an OR
    // inside, it nested-looped over a sequential scan once it had statistics.)
    let held = '';
    if (options.deployment) {
      params.push(options.deployment.chainId.toString(), options.deployment.contract.toLowerCase());
      held = `
            and coalesce((
              select false from oracle_publications p
               where p.outcome_key = g.outcome_key and p.kind = 'propose' and p.chain_id = $6 and p.contract = $7
                 and p.state not in ('expired', 'failed')
               limit 1), true)
            and coalesce((
              select false from oracle_batch_items i
               where i.outcome_key = g.outcome_key
                 and (select b.state not in ('expired', 'failed') from oracle_publications b
                       where b.subject = i.root and b.kind = 'batch' and b.chain_id = $6 and b.contract = $7)
               limit 1), true)`;
    }
    const { rows } = await this.readyQuery(
      `with payloads as (
         select min(event_id) as event_id, min(version) as version, min(outcome_key) as outcome_key, digest,
                count(*) as support, min(created_at) as first_at, min(not_before) as not_before,
                max(deadline) as deadline
           from oracle_attestations
          where epoch = $1 and attester = any($2::text[])
          group by digest
       ), flagged as (
         select g.*, min(outcome_key) over w as low_key, max(outcome_key) over w as high_key
           from payloads g
         window w as (partition by event_id, version)
       ), ready as materialized (
         select digest, first_at from flagged g
          where g.low_key = g.high_key and g.support >= $3 and g.not_before <= $4 and g.deadline >= $4
            and coalesce((
              select false from oracle_publications p
               where p.outcome_key = g.outcome_key and p.payload_key = g.digest and p.kind = 'propose'
               limit 1), true)${held}
          order by first_at, digest
          limit $5
       )
       select ${COLUMNS.replace(/(\w+)/g, 'l.$1')}
         from ready r join oracle_attestations l on l.digest = r.digest
        where l.attester = any($2::text[]) -- the digest covers the epoch: no epoch filter (it lured the index)
        order by r.first_at, l.digest, l.attester`,
      params,
    );
    const groups = new Map<string, StoredAttestation[]>();
    for (const row of rows) {
      const list = groups.get(row.digest) ?? [];
      list.push(toAttestation(row));
      groups.set(row.digest, list);
    }
    return [...groups.values()];
  }

  /**
   * The ready query in a read-only transaction with `work_mem` raised for it alone: grouping a whole
   * epoch's attestations (100k rows) spills its sort to disk at Postgres's default 4 MB.
   */
  private readyQuery(text: string, params: unknown[]): Promise<pg.QueryResult<AttestationRow>> {
    return withTransaction(this.pool, async (client) => {
      await client.query(`set local work_mem = '64MB'`);
      return client.query<AttestationRow>(text, params);
    });
  }

  private transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, work);
  }
}

/** Serialises binding changes, so that "one key per admin, one admin per key" holds under concurrency. */
async function lockBindings(client: pg.PoolClient): Promise<void> {
  await client.query(`select pg_advisory_xact_lock(hashtext('oracle_attester_bindings'))`);
}

async function recordBinding(
  client: pg.PoolClient,
  action: 'bound' | 'updated' | 'unbound',
  attester: string,
  adminId: string,
  contract: boolean,
): Promise<void> {
  await client.query(
    `insert into oracle_attester_binding_history (action, attester, admin_id, is_contract) values ($1, $2, $3, $4)`,
    [action, attester, adminId, contract],
  );
}

function toBinding(row: BindingRow): AttesterBinding {
  return {
    adminId: row.admin_id,
    attester: getAddress(row.attester),
    contract: row.is_contract,
    createdAt: row.created_at,
  };
}

/** Serialises writers of one (event, version), so that the conflict state follows every write. */
async function lockEventVersion(client: pg.PoolClient, eventId: string, version: number): Promise<void> {
  await client.query(`select pg_advisory_xact_lock(hashtext('oracle_attestations'), hashtext($1))`, [
    `${eventId}:${version}`,
  ]);
}

/**
 * Opens, updates or resolves the recorded conflict of (event, version): in conflict when
 * attesters of the current set and epoch back two or more outcome keys.
 */
async function recordConflictState(
  client: pg.PoolClient,
  eventId: string,
  version: number,
  set: AttesterSet,
): Promise<boolean> {
  const { rows } = await client.query<{ outcome_key: string }>(
    `select distinct outcome_key from oracle_attestations
     where event_id = $1 and version = $2 and epoch = $3 and attester = any($4::text[]) order by outcome_key`,
    [eventId, version, set.epoch, lower(set.attesters)],
  );
  const keys = rows.map((r) => r.outcome_key);
  if (keys.length > 1) {
    await client.query(
      `insert into oracle_attestation_conflicts (event_id, version, epoch, outcome_keys) values ($1, $2, $3, $4)
       on conflict (event_id, version) where resolved_at is null
       do update set outcome_keys = excluded.outcome_keys, epoch = excluded.epoch, updated_at = now()`,
      [eventId, version, set.epoch, keys],
    );
    return true;
  }
  await client.query(
    `update oracle_attestation_conflicts set resolved_at = now(), updated_at = now()
     where event_id = $1 and version = $2 and resolved_at is null`,
    [eventId, version],
  );
  return false;
}

function lower(addresses: readonly string[]): string[] {
  return addresses.map((a) => a.toLowerCase());
}

/**
 * Checksummed attester addresses, memoised: a ready scan converts thousands of rows signed by a handful of
 * attesters, and each `getAddress` is a keccak. Bounded: cleared when it grows past 1,024 entries.
 */
const checksums = new Map<string, string>();
function checksummed(address: string): string {
  let value = checksums.get(address);
  if (value === undefined) {
    if (checksums.size >= 1_024) checksums.clear();
    value = getAddress(address);
    checksums.set(address, value);
  }
  return value;
}

function toAttestation(row: AttestationRow): StoredAttestation {
  const result: Result = {
    eventId: row.event_id,
    status: row.status as ResultStatus,
    values: row.outcome_values.map(Number),
    endedAt: BigInt(row.ended_at),
    version: Number(row.version),
    notBefore: BigInt(row.not_before),
    deadline: BigInt(row.deadline),
    epoch: Number(row.epoch),
  };
  return {
    eventId: row.event_id,
    version: Number(row.version),
    attester: checksummed(row.attester),
    adminId: row.admin_id,
    outcomeKey: row.outcome_key,
    result,
    digest: row.digest,
    signature: row.signature,
    source: row.source,
    contract: row.is_contract,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
