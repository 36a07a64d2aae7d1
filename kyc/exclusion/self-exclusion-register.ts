import type { PivotIdentity } from '../identity/pivot-identity.js';

/**
 * The self-exclusion register ("fichier des interdits de jeux", run by the ANJ). Checked at signup
 * and every 7 days for existing players. {@link PgSelfExclusionRegister} is the imported-file
 * implementation; a remote register (the ANJ's information system) implements the same interface.
 */
export interface SelfExclusionRegister {
  /** @throws when the register cannot answer: a signup is never let through on an unknown answer. */
  isExcluded(person: PivotIdentity): Promise<boolean>;
}

/** One line of the register file. */
export interface RegisterEntry {
  readonly givenNames: string;
  readonly familyName: string;
  /** YYYY-MM-DD */
  readonly birthdate: string;
}

/**
 * Parses the register file: UTF-8 CSV with a header `family_name,given_names,birthdate` (any column
 * order, `,` or `;` separators, blank lines and `#` comments ignored).
 *
 * @throws Error naming the line of the first malformed row (without echoing its content).
 */
export function parseRegisterFile(text: string): RegisterEntry[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let header: string[] | undefined;
  const entries: RegisterEntry[] = [];
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(/[;,]/).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (!header) {
      header = cells.map((c) => c.toLowerCase());
      for (const column of ['family_name', 'given_names', 'birthdate']) {
        if (!header.includes(column)) throw new Error(`register file: header lacks column ${column}`);
      }
      continue;
    }
    const get = (column: string) => cells[header!.indexOf(column)] ?? '';
    const entry = { familyName: get('family_name'), givenNames: get('given_names'), birthdate: get('birthdate') };
    if (
      cells.length !== header.length ||
      !entry.familyName ||
      !entry.givenNames ||
      !/^\d{4}-\d{2}-\d{2}$/.test(entry.birthdate)
    ) {
      throw new Error(`register file: line ${index + 1} is malformed`);
    }
    entries.push(entry);
  }
  if (!header) throw new Error('register file: empty');
  return entries;
}
