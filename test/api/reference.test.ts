import { readFile } from 'node:fs/promises';
import { referenceTable } from './support/reference.js';

/** docs/api.md's API reference is the route table of /openapi.json: a route added or changed fails here. */
describe('API reference page (docs/api.md) against /openapi.json', () => {
  it('lists every operation of the OpenAPI description, with its auth and summary, and nothing else', async () => {
    const docs = await readFile(new URL('../../docs/api.md', import.meta.url), 'utf8');
    const section = /<!-- reference:start -->\n([\s\S]*?)\n<!-- reference:end -->/.exec(docs);
    expect(section).not.toBeNull();
    // On a mismatch, paste the expected table (printed by the diff) between the markers.
    // Cells compared trimmed (a formatter may pad the columns).
    const cells = (table: string) =>
      table
        .trim()
        .split('\n')
        .filter((line) => !/^\|[\s|:-]+\|$/.test(line))
        .map((line) => line.split('|').map((c) => c.trim()));
    expect(cells(section![1]!)).toEqual(cells(referenceTable()));
  });
});
