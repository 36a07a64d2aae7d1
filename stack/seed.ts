import { keccak256, toUtf8Bytes } from 'ethers';
import { isApiError, type ApiModule } from '../api/index.js';

/** The seed's admin, in the audit log. */
const SEED_ACTOR = { actor: 'system:local-seed' };

type Markets = ApiModule['markets'];

interface SeedEvent {
  readonly slug: string;
  readonly name: string;
  readonly schema: 'football.match/v1' | 'horse-racing.race/v1';
  readonly startsInHours: number;
  readonly runners?: number;
  readonly markets: readonly Parameters<Markets['createMarket']>[1]['definition'][];
}

/** A few football matches and a horse race, each with open markets. */
export const SEED_EVENTS: readonly SeedEvent[] = [
  {
    slug: 'psg-om',
    name: 'Paris Saint-Germain v Olympique de Marseille',
    schema: 'football.match/v1',
    startsInHours: 3,
    markets: [{ type: 'match-winner' }, { type: 'total-goals', line: 2.5 }],
  },
  {
    slug: 'ol-lens',
    name: 'Olympique Lyonnais v RC Lens',
    schema: 'football.match/v1',
    startsInHours: 26,
    markets: [{ type: 'match-winner' }, { type: 'handicap', line: -0.5 }],
  },
  {
    slug: 'monaco-lille',
    name: 'AS Monaco v LOSC Lille',
    schema: 'football.match/v1',
    startsInHours: 50,
    markets: [{ type: 'match-winner' }],
  },
  {
    slug: 'longchamp-r1c4',
    name: 'ParisLongchamp R1C4 — Prix de la Seine (8 runners)',
    schema: 'horse-racing.race/v1',
    startsInHours: 5,
    runners: 8,
    markets: [{ type: 'race-win' }, { type: 'race-place', places: 3 }],
  },
];

/** The oracle event id of a seed event: fixed, so a restart finds the events it created. */
export function seedOracleEventId(slug: string): string {
  return keccak256(toUtf8Bytes(`verdict:local-seed:${slug}`));
}

/**
 * Creates the seed events and open markets through the api's market service (audited as
 * `system:local-seed`). Idempotent: an event that already exists (a restart) is left as it is.
 *
 * @returns the names of the events created by this call.
 */
export async function seedMarkets(markets: Markets, now = new Date()): Promise<string[]> {
  const created: string[] = [];
  for (const seed of SEED_EVENTS) {
    const startsAt = new Date(now.getTime() + seed.startsInHours * 3_600_000);
    let event;
    try {
      event = await markets.createEvent(
        {
          oracleEventId: seedOracleEventId(seed.slug),
          schema: seed.schema,
          name: seed.name,
          startsAt,
          runners: seed.runners ?? null,
        },
        SEED_ACTOR,
      );
    } catch (error) {
      if (isApiError(error) && error.code === 'EVENT_ALREADY_EXISTS') continue;
      throw error;
    }
    for (const definition of seed.markets) {
      const market = await markets.createMarket(
        event.id,
        {
          definition,
          // Betting stops ten minutes before the start.
          closesAt: new Date(startsAt.getTime() - 600_000),
          takeoutBps: seed.schema === 'horse-racing.race/v1' ? 1_800 : 1_200,
          minStakeCents: 100n,
          maxStakeCents: 100_000n,
        },
        SEED_ACTOR,
      );
      await markets.command(market.id, 'open', SEED_ACTOR);
    }
    created.push(seed.name);
  }
  return created;
}
