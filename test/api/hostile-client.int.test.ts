import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiModule, type ApiModule } from '../../api/app.js';
import { SANDBOX_SIGNATURE_HEADER, SandboxPaymentProvider, signSandbox } from '../../api/wallet/payment-provider.js';
import { migrateOracle } from '../../oracle/db/migrate-oracle.js';
import { Browser } from '../kyc/support/browser.js';
import { createBettingDb, type BettingDb } from './support/db.js';
import { createFullStack, staffBrowser, startApi, type FullStack } from './support/full-stack.js';
import { testHttpPorts } from './support/http-ports.js';
import { sqlPlayerAccounts } from './support/sql-player-accounts.js';

/**
 * A hostile client driven by the API's own `/openapi.json`: for every operation of the document, with
 * the credentials its `security` names, it sends generated garbage (malformed JSON, the wrong JSON
 * type, each body field removed / of the wrong type / out of range / huge, unknown fields, path and
 * query parameters that are not what the schema says, a body over the limit, a wrong content-type or
 * charset, bad Idempotency-Keys) and the same operations without or with the wrong credentials. Every
 * answer must be a 4xx problem+json with a `code` of the document's `x-problem-codes` at its status,
 * a request id, nothing internal in the body; and no table may gain or lose a row.
 *
 * Only inputs the document itself says are invalid are sent (a small JSON Schema check, `valid`), so a
 * failure is the server disagreeing with its own description. Real app, real Postgres, over loopback.
 */

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
};
type Parameter = { name: string; in: 'path' | 'query' | 'header'; required: boolean; schema: Schema };
type Operation = {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: { 'application/json': { schema: Schema } } };
  security: Array<Record<string, unknown>>;
};

const SECRET = 'hostile-webhook-secret-0123456789abcdef';
// A bound on the generated requests (about 1,500 today), so the suite stays quick as the document grows.
const MAX_REQUESTS = 1_600;

// ---- a JSON Schema check (the subset z.toJSONSchema writes) -------------------------------------

const FORMATS: Record<string, (v: string) => boolean> = {
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(v),
  'date-time': (v) => /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(v) && !isNaN(Date.parse(v)),
};
const isType = (t: string, v: unknown): boolean =>
  t === 'null'
    ? v === null
    : t === 'integer'
      ? Number.isInteger(v)
      : t === 'array'
        ? Array.isArray(v)
        : t === 'object'
          ? typeof v === 'object' && v !== null && !Array.isArray(v)
          : typeof v === t;

/** Whether the document accepts `v` for `s`. */
function valid(s: Schema, v: unknown): boolean {
  if (s.anyOf && !s.anyOf.some((x) => valid(x, v))) return false;
  if (s.oneOf && s.oneOf.filter((x) => valid(x, v)).length !== 1) return false;
  if ('const' in s && v !== s.const) return false;
  if (s.enum && !s.enum.includes(v)) return false;
  if (s.type !== undefined && ![s.type].flat().some((t) => isType(t, v))) return false;
  if (typeof v === 'string') {
    if (v.length < (s.minLength ?? 0) || v.length > (s.maxLength ?? Infinity)) return false;
    if (s.pattern && !new RegExp(s.pattern).test(v)) return false;
    if (s.format && FORMATS[s.format] && !FORMATS[s.format]!(v)) return false;
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < (s.minimum ?? -Infinity) || v > (s.maximum ?? Infinity)) return false;
    if (v <= (s.exclusiveMinimum ?? -Infinity) || v >= (s.exclusiveMaximum ?? Infinity)) return false;
  }
  if (Array.isArray(v)) {
    if (v.length < (s.minItems ?? 0) || v.length > (s.maxItems ?? Infinity)) return false;
    if (s.items && !v.every((x) => valid(s.items!, x))) return false;
  }
  if (isType('object', v)) {
    const o = v as Record<string, unknown>;
    if ((s.required ?? []).some((k) => !(k in o))) return false;
    for (const [k, x] of Object.entries(o)) {
      const p = s.properties?.[k];
      if (p ? !valid(p, x) : s.additionalProperties === false) return false;
    }
  }
  return true;
}

/** A value the document accepts for `s` (every property, optional ones too, so each can be mutated). */
function sample(s: Schema): unknown {
  const branch = s.anyOf ?? s.oneOf;
  if (branch) return sample(branch.find((b) => b.type !== 'null') ?? branch[0]!);
  if ('const' in s) return s.const;
  if (s.enum) return s.enum[0];
  const type = [s.type].flat().find((t) => t !== 'null');
  if (type === 'string') {
    if (s.format === 'uuid') return '6f1c2e3a-4b5d-4e6f-8a7b-9c0d1e2f3a4b';
    if (s.format === 'date-time') return new Date(Date.now() + 3600_000).toISOString();
    const candidates = ['1', `0x${'ab'.repeat(32)}`, '0xabcd', 'a'.repeat(Math.max(s.minLength ?? 1, 1))];
    return candidates.find((c) => valid(s, c)) ?? candidates.at(-1);
  }
  if (type === 'integer' || type === 'number') {
    const min = s.minimum ?? (s.exclusiveMinimum === undefined ? 1 : s.exclusiveMinimum + 1);
    return Math.max(min, Math.min(1, s.maximum ?? 1));
  }
  if (type === 'boolean') return true;
  if (type === 'array') return Array.from({ length: Math.max(s.minItems ?? 1, 1) }, () => sample(s.items ?? {}));
  if (type === 'object' || s.properties) {
    return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, p]) => [k, sample(p)]));
  }
  return null;
}

// ---- the mutators: one table per JSON Schema type ------------------------------------------------

const WRONG_TYPES: unknown[] = [null, true, 'text', 7, [], {}];
const HOSTILE_STRINGS = [
  '',
  ' ',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1.5',
  '1e3',
  '0x',
  '..',
  '%E0%A4%A',
  '\u0000',
  '\u202e\u0301',
  'é😀',
  "1' or '1'='1'; drop table betting.bets; --",
  '<script>alert(1)</script>',
];
/** A copy of `o` with an own `__proto__` field, as JSON.parse reads `{"__proto__": …}`. */
const withOwnProto = (o: object): object =>
  Object.defineProperty({ ...o }, '__proto__', {
    value: { admin: true },
    enumerable: true,
    writable: true,
    configurable: true,
  });
type Mutator = (s: Schema, v: unknown) => Array<[label: string, value: unknown]>;
const MUTATORS: Record<string, Mutator> = {
  string: (s) => [
    ...HOSTILE_STRINGS.map((x): [string, unknown] => [JSON.stringify(x), x]),
    ['huge', 'x'.repeat((s.maxLength ?? 10_000) + 1)],
  ],
  number: (s) =>
    ['1', -1, 0, 1.5, 1e300, 2 ** 53 + 1, (s.maximum ?? 0) + 1, (s.minimum ?? 0) - 1, 'NaN', 'Infinity', '-0'].map(
      (x) => [JSON.stringify(x), x],
    ),
  boolean: () => [['"true"', 'true']],
  array: (s, v) => [
    ['empty', []],
    ['one too many', Array.from({ length: (s.maxItems ?? 10_000) + 1 }, () => (v as unknown[])[0])],
    ['[null]', [null]],
  ],
  object: (_s, v) => [
    ['{}', {}],
    ['with an unknown field', { ...(v as object), unknownField: 1 }],
    ['with a __proto__ field', withOwnProto(v as object)],
  ],
};
MUTATORS.integer = MUTATORS.number!;

/** Every invalid variant of `v` for `s`: its own mutations, then each nested field's (removed, mutated). */
function mutations(s: Schema, v: unknown, at = 'body'): Array<[label: string, value: unknown]> {
  const branch = (s.anyOf ?? s.oneOf)?.find((b) => valid(b, v));
  const own = branch ?? s;
  const type = [own.type].flat().find((t) => t !== 'null') ?? (own.properties ? 'object' : undefined);
  const out: Array<[string, unknown]> = [
    ...WRONG_TYPES.map((x): [string, unknown] => [`${at} = ${JSON.stringify(x)}`, x]),
    ...(MUTATORS[type ?? '']?.(own, v) ?? []).map(([l, x]): [string, unknown] => [`${at} = ${l}`, x]),
  ];
  if (type === 'object') {
    const o = v as Record<string, unknown>;
    for (const [k, p] of Object.entries(own.properties ?? {})) {
      const { [k]: _removed, ...rest } = o;
      out.push([`${at}.${k} removed`, rest]);
      for (const [l, x] of mutations(p, o[k], `${at}.${k}`)) out.push([l, { ...o, [k]: x }]);
    }
  }
  if (type === 'array' && own.items) {
    const a = v as unknown[];
    for (const [l, x] of mutations(own.items, a[0], `${at}[0]`)) out.push([l, [x, ...a.slice(1)]]);
  }
  return out.filter(([, x]) => !valid(s, x));
}

/** Path segments (already percent-encoded) that are not ids. */
const HOSTILE_SEGMENTS = [
  '',
  '%20',
  '.',
  '..',
  '%2e%2e',
  '%2F',
  '%E0%A4%A',
  '%',
  '%00',
  '%C3%A9',
  '%F0%9F%98%80',
  'x'.repeat(2_000),
  '-1',
  '0',
  '1.5',
  '1e3',
  'NaN',
  'null',
  '99999999999999999999',
  '00000000-0000-0000-0000-000000000000',
  '1%27%20or%20%271%27%3D%271',
];
/** Query values (percent-encoded). */
const HOSTILE_QUERY_VALUES = [
  '',
  'abc',
  '-1',
  '0',
  '1.5',
  '1e3',
  'NaN',
  'x'.repeat(3_000),
  '%E0%A4%A',
  '%00',
  '%27%3B--',
];
const UNKNOWN_QUERIES = ['evil=1', '__proto__=1', 'constructor%5Bx%5D=1', 'a'.repeat(500) + '=1'];
const HOSTILE_KEYS = [' ', 'tab\there', '"', '""', 'x'.repeat(256), `"${'x'.repeat(256)}"`, 'caf\u00e9'];
const MALFORMED_JSON = ['{"a":', '{', 'nul', '{"a":1}}', "{'a':1}", '{"a":NaN}', '[1,]', '\u00ff\u00fe{}'];
/** (null, a string, a number, an array instead of the object: the root's wrong types, `mutations`.) */
const NOT_AN_OBJECT = [`${'['.repeat(5_000)}${']'.repeat(5_000)}`];

const decode = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
};
/** A query value as the route reads it: numbers are coerced (zod `z.coerce.number()`). */
const queryValue = (s: Schema, raw: string): unknown => {
  const text = decode(raw) ?? raw;
  return [s.type].flat().some((t) => t === 'integer' || t === 'number') ? Number(text) : text;
};

// ---- requests on loopback ---------------------------------------------------------------------------

interface Sent {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}
interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

/** Where the hostile client sends, with which credentials. */
interface Target {
  send(r: Sent): Promise<Answer>;
  /** The headers of each security scheme of the document, and the code their absence answers. */
  readonly credentials: Readonly<Record<string, { headers: Record<string, string>; code: string }>>;
  readonly webhookSecret: string;
}

/**
 * Every generated input on every operation of the target's `/openapi.json`.
 * @returns the failures, each naming the operation and the input.
 */
async function attackEveryOperation(target: Target): Promise<string[]> {
  const docAnswer = await target.send({ method: 'get', path: '/openapi.json' });
  if (docAnswer.status !== 200) return [`GET /openapi.json answered ${docAnswer.status}`];
  const doc = JSON.parse(docAnswer.text) as {
    paths: Record<string, Record<string, Operation>>;
    'x-problem-codes': Record<string, number>;
  };
  const problemCodes = doc['x-problem-codes'];
  const failures: string[] = [];
  let keys = 0;

  const CREDENTIALS = target.credentials;

  /** Checks one answer; `expected` pins the status and code (authentication). */
  function check(
    name: string,
    input: string,
    a: Answer,
    expected?: { status: number | readonly number[]; code?: string },
  ) {
    const fail = (why: string): void => {
      failures.push(`${name} ← ${input}: ${why} (${a.status} ${a.text.slice(0, 160)})`);
    };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(a.text) as Record<string, unknown>;
    } catch {
      return fail('the body is not JSON');
    }
    if (expected && (![expected.status].flat().includes(a.status) || (expected.code ?? body.code) !== body.code)) {
      return fail(`expected ${String(expected.status)} ${expected.code ?? ''}`);
    }
    if (a.status < 400 || a.status > 499) return fail('not a 4xx');
    if (!/^application\/problem\+json/.test(a.headers['content-type'] ?? '')) return fail('not problem+json');
    if (typeof body.code !== 'string' || problemCodes[body.code] !== a.status) {
      return fail(`code ${String(body.code)} is not in x-problem-codes at ${a.status}`);
    }
    if (!body.requestId || body.requestId !== a.headers['x-request-id']) return fail('no request id');
    if (
      /\n\s+at |node_modules|\.[jt]s:\d+|"stack"|postgres|relation "|violates|syntax error|Unexpected token/i.test(
        a.text,
      )
    ) {
      return fail('internal detail in the body');
    }
  }

  const everyone = { ...CREDENTIALS.playerSession!.headers, ...CREDENTIALS.staff!.headers };
  for (const [template, methods] of Object.entries(doc.paths)) {
    // Methods the document does not list for the path (with every credential, a JSON body).
    const first = Object.values(methods)[0]!;
    const samplePath = template.replace(/\{(\w+)\}/g, (_m, p: string) =>
      encodeURIComponent(String(sample(first.parameters!.find((x) => x.name === p)!.schema))),
    );
    for (const other of ['put', 'delete', 'post', 'get'].filter((m) => !(m in methods))) {
      const headers = { ...everyone, 'content-type': 'application/json', 'idempotency-key': `hostile-${++keys}` };
      const answer = await target.send({
        method: other,
        path: samplePath,
        headers,
        body: other === 'get' ? undefined : '{}',
      });
      check(`${other.toUpperCase()} ${template}`, 'a method the document does not list', answer);
    }
    for (const [method, op] of Object.entries(methods)) {
      const name = `${method.toUpperCase()} ${template} (${op.operationId})`;
      const params = op.parameters ?? [];
      const pathParams = params.filter((p) => p.in === 'path');
      const queryParams = params.filter((p) => p.in === 'query');
      const keyParam = params.find((p) => p.in === 'header' && p.name === 'Idempotency-Key');
      const bodySchema = op.requestBody?.content['application/json'].schema;
      const schemes = op.security.flatMap((s) => Object.keys(s));
      const webhook = schemes.includes('webhookSignature');
      const credentials = Object.assign({}, ...schemes.map((s) => CREDENTIALS[s]!.headers)) as Record<string, string>;

      const pathWith = (segments: Record<string, string>) =>
        template.replace(
          /\{(\w+)\}/g,
          (_m, p: string) =>
            segments[p] ?? encodeURIComponent(String(sample(params.find((x) => x.name === p)!.schema))),
        );
      const validBody = bodySchema === undefined ? undefined : JSON.stringify(sample(bodySchema));
      if (bodySchema && !valid(bodySchema, JSON.parse(validBody!)))
        failures.push(`${name}: the generated sample body is not valid`);

      /** One request with the operation's credentials (a fresh Idempotency-Key, a signature over the bytes). */
      const call = (o: { path?: string; body?: string | Buffer; headers?: Record<string, string>; sign?: boolean }) => {
        const body = o.body ?? validBody;
        const headers: Record<string, string> = { ...credentials };
        if (body !== undefined) headers['content-type'] = 'application/json';
        if (keyParam) headers['idempotency-key'] = `hostile-${++keys}`;
        if (webhook && o.sign !== false && body !== undefined) {
          headers[SANDBOX_SIGNATURE_HEADER] = signSandbox(
            target.webhookSecret,
            body.toString(),
            Math.floor(Date.now() / 1000),
          );
        }
        Object.assign(headers, o.headers);
        for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k];
        return target.send({
          method,
          path: o.path ?? pathWith({}),
          headers,
          body: method === 'get' ? undefined : body,
        });
      };
      const expectProblem = async (
        input: string,
        o: Parameters<typeof call>[0],
        expected?: { status: number | readonly number[]; code?: string },
      ) => check(name, input, await call(o), expected);

      // Authentication, from the document's `security`.
      for (const scheme of schemes) {
        const { code } = CREDENTIALS[scheme]!;
        if (scheme === 'webhookSignature') {
          await expectProblem('no signature', { sign: false }, { status: 401, code });
          const t = Math.floor(Date.now() / 1000);
          await expectProblem(
            'a signature of other bytes',
            { headers: { [SANDBOX_SIGNATURE_HEADER]: signSandbox(target.webhookSecret, '{}', t) } },
            { status: 401, code },
          );
          await expectProblem(
            'a signature with another secret',
            { headers: { [SANDBOX_SIGNATURE_HEADER]: signSandbox('not-the-secret', validBody ?? '', t) } },
            { status: 401, code },
          );
          continue;
        }
        const unauthenticated = Object.fromEntries(Object.keys(CREDENTIALS[scheme]!.headers).map((h) => [h, '']));
        await expectProblem('no credentials', { headers: unauthenticated }, { status: 401, code });
        // The other kind of principal only (a player on a staff route, staff on a player route).
        for (const [other, c] of Object.entries(CREDENTIALS)) {
          if (other === scheme || other === 'webhookSignature') continue;
          await expectProblem(
            `${other}'s credentials`,
            { headers: { ...unauthenticated, ...c.headers } },
            { status: [401, 403] },
          );
        }
      }

      // Path parameters that are not what the schema says.
      for (const p of pathParams) {
        const last = template.endsWith(`{${p.name}}`);
        for (const segment of HOSTILE_SEGMENTS) {
          // An empty last segment is another URL (the collection), not a bad id.
          if (segment === '' && last) continue;
          const decoded = decode(segment);
          if (decoded !== undefined && valid(p.schema, decoded)) continue;
          await expectProblem(`path ${p.name} = ${JSON.stringify(segment.slice(0, 40))}`, {
            path: pathWith({ [p.name]: segment }),
          });
        }
      }

      // Query parameters: wrong values, repeated, unknown.
      for (const p of queryParams) {
        for (const raw of HOSTILE_QUERY_VALUES) {
          if (valid(p.schema, queryValue(p.schema, raw))) continue;
          await expectProblem(`query ${p.name}=${raw.slice(0, 40)}`, { path: `${pathWith({})}?${p.name}=${raw}` });
        }
        const one = encodeURIComponent(String(sample(p.schema)));
        await expectProblem(`query ${p.name} repeated`, {
          path: `${pathWith({})}?${p.name}=${one}&${p.name}=${one}`,
        });
      }
      for (const q of UNKNOWN_QUERIES) await expectProblem(`query ${q.slice(0, 40)}`, { path: `${pathWith({})}?${q}` });

      // Idempotency-Key values the document refuses, and none where it is required.
      if (keyParam) {
        for (const key of HOSTILE_KEYS) {
          if (valid(keyParam.schema, key)) continue;
          await expectProblem(`Idempotency-Key ${JSON.stringify(key.slice(0, 20))}`, {
            headers: { 'idempotency-key': key },
          });
        }
        if (keyParam.required)
          await expectProblem(
            'no Idempotency-Key',
            { headers: { 'idempotency-key': '' } },
            { status: 400, code: 'IDEMPOTENCY_KEY_MISSING' },
          );
      }

      // Bodies: malformed, not an object, each field mutated, too large, wrong content-type or charset.
      if (!bodySchema) continue;
      for (const text of MALFORMED_JSON) await expectProblem(`body ${JSON.stringify(text)}`, { body: text });
      for (const text of NOT_AN_OBJECT) await expectProblem(`body ${text.slice(0, 20)}`, { body: text });
      for (const [label, value] of mutations(bodySchema, JSON.parse(validBody!))) {
        await expectProblem(label.slice(0, 120), { body: JSON.stringify(value) });
      }
      await expectProblem('body over the size limit', { body: JSON.stringify({ big: 'x'.repeat(300_000) }) });
      await expectProblem('no body', { body: '' });
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=latin1',
        'application/json; charset=utf-7',
      ]) {
        await expectProblem(`content-type ${type}`, { headers: { 'content-type': type } });
      }
      await expectProblem('content-encoding gzip of plain bytes', { headers: { 'content-encoding': 'gzip' } });
      await expectProblem('content-encoding br', { headers: { 'content-encoding': 'br' } });
      if (webhook) {
        // The same garbage unsigned: refused before it is read.
        await expectProblem(
          'malformed JSON without a signature',
          { body: '{"a":', sign: false },
          { status: 401, code: 'WEBHOOK_SIGNATURE_INVALID' },
        );
      }
    }
  }

  return failures;
}

/** Row counts of every table of betting, kyc and the oracle. */
async function tableCounts(pool: BettingDb['pool']): Promise<Record<string, number>> {
  const { rows: tables } = await pool.query<{ name: string }>(
    `select format('%I.%I', table_schema, table_name) as name from information_schema.tables
      where table_type = 'BASE TABLE' and (table_schema in ('betting', 'kyc') or table_name like 'oracle\\_%')
      order by 1`,
  );
  const out: Record<string, number> = {};
  for (const { name } of tables) {
    out[name] = (await pool.query<{ n: number }>(`select count(*)::int as n from ${name}`)).rows[0]!.n;
  }
  return out;
}

/** Requests to `127.0.0.1:port`, counted. */
function loopback(port: number): Target['send'] & { sent: number } {
  const send = (r: Sent): Promise<Answer> => {
    send.sent += 1;
    // A body always framed by its length (Node's client sends a DELETE's body unframed otherwise), and one
    // connection per request: a refused request never leaves bytes behind for the next one.
    const length = r.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(r.body)) };
    const headers = { ...length, ...r.headers };
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: r.method.toUpperCase(), path: r.path, headers, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }),
          );
        },
      );
      req.on('error', (error) =>
        reject(new Error(`${r.method.toUpperCase()} ${r.path.slice(0, 80)}: ${String(error)}`)),
      );
      req.end(r.body);
    });
  };
  send.sent = 0;
  return send;
}

describe('a hostile client generated from /openapi.json (real app, real Postgres, loopback)', () => {
  let b: BettingDb;
  let api: ApiModule;
  let server: http.Server;
  let player: string;
  let send: ReturnType<typeof loopback>;

  beforeAll(async () => {
    b = await createBettingDb('api_hostile');
    await migrateOracle(b.pool);
    api = createApiModule({
      pool: b.pool,
      players: sqlPlayerAccounts,
      http: testHttpPorts(),
      payments: { provider: new SandboxPaymentProvider({ mode: 'webhook', secret: SECRET }), webhookSecret: SECRET },
    });
    server = http.createServer(api.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    send = loopback((server.address() as AddressInfo).port);
    player = await b.account({ withdrawalsAllowed: true });
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await b.close();
  });

  const counts = () => tableCounts(b.pool);

  it('bounds every string and array a request may carry (the hostile inputs rely on it)', async () => {
    const doc = JSON.parse((await send({ method: 'get', path: '/openapi.json' })).text) as {
      paths: Record<string, Record<string, Operation>>;
    };
    /** Where `s` lets a client send an unbounded string or array. */
    const unbounded = (s: Schema, at: string): string[] => [
      ...(s.anyOf ?? s.oneOf ?? []).flatMap((b, i) => unbounded(b, `${at}|${i}`)),
      ...([s.type].flat().includes('string') &&
      ![s.maxLength, s.pattern, s.enum, s.format, s.const].some((x) => x !== undefined)
        ? [`${at}: a string without maxLength, pattern, enum or format`]
        : []),
      ...([s.type].flat().includes('array') && s.maxItems === undefined ? [`${at}: an array without maxItems`] : []),
      ...(s.items ? unbounded(s.items, `${at}[]`) : []),
      ...Object.entries(s.properties ?? {}).flatMap(([k, p]) => unbounded(p, `${at}.${k}`)),
    ];
    const found: string[] = [];
    for (const [template, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const name = `${method.toUpperCase()} ${template}`;
        for (const p of op.parameters ?? []) found.push(...unbounded(p.schema, `${name} ${p.in} ${p.name}`));
        const body = op.requestBody?.content['application/json'].schema;
        if (body) found.push(...unbounded(body, `${name} body`));
      }
    }
    expect(found).toEqual([]);
  });

  it('answers every generated bad input on every operation with a documented 4xx problem, writing nothing', async () => {
    const before = await counts();
    expect(before['betting.audit_log']).toBeDefined();
    expect(before['public.oracle_attestations']).toBeDefined();
    expect(before['kyc.staff_audit_log']).toBeDefined();
    const failures = await attackEveryOperation({
      send,
      webhookSecret: SECRET,
      credentials: {
        playerSession: { headers: { 'x-test-player': player }, code: 'KYC_NOT_AUTHENTICATED' },
        staff: { headers: { 'x-test-admin': 'oidc:hostile-staff' }, code: 'ADMIN_NOT_AUTHENTICATED' },
        webhookSignature: { headers: {}, code: 'WEBHOOK_SIGNATURE_INVALID' },
      },
    });
    expect(failures).toEqual([]);
    expect(await counts()).toEqual(before);
    expect(send.sent).toBeLessThanOrEqual(MAX_REQUESTS);
    expect(send.sent).toBeGreaterThan(200);
  });
});

/**
 * The same client against the API process (`api/process.ts`, what `npm run api` runs): kyc's session
 * cookie and Origin check, staff OIDC sign-in, the rate limiters (raised here), the real oracle admin
 * over a Hardhat node, the web and kyc routes mounted beside the API.
 */
describe('the hostile client against the API process (kyc sessions, staff OIDC, Hardhat)', () => {
  let stack: FullStack;
  let api: Awaited<ReturnType<typeof startApi>>;
  beforeAll(async () => {
    stack = await createFullStack('api_hostile_process', {
      extra: { API_RATE_LIMIT_IP: '100000/60', API_RATE_LIMIT_ACCOUNT: '100000/60' },
    });
    api = await startApi(stack);
  });
  afterAll(async () => {
    await api?.close();
    await stack?.close();
  });

  it('answers every generated bad input with a documented 4xx problem, writing nothing', async () => {
    const { appBase } = stack;
    const player = new Browser();
    const start = await player.request(`${appBase}/auth/franceconnect`);
    expect(start.status).toBe(303);
    const callback = await player.runToOrigin(start.headers.get('location')!, appBase, 'dubois');
    expect((await player.request(callback, { headers: { accept: 'application/json' } })).status).toBe(303);
    const staff = await staffBrowser(stack, 'alice');
    const session = (browser: Browser) => ({
      cookie: [...browser.cookies(appBase)].map(([k, v]) => `${k}=${v}`).join('; '),
      origin: appBase,
    });
    const send = loopback(Number(new URL(appBase).port));
    const before = await tableCounts(stack.b.pool);
    const failures = await attackEveryOperation({
      send,
      webhookSecret: stack.env.PAYMENTS_WEBHOOK_SECRET!,
      credentials: {
        playerSession: { headers: session(player), code: 'KYC_NOT_AUTHENTICATED' },
        // kyc's staff guard (the test ports answer the API's ADMIN_NOT_AUTHENTICATED instead).
        staff: { headers: session(staff), code: 'KYC_STAFF_NOT_AUTHENTICATED' },
        webhookSignature: { headers: {}, code: 'WEBHOOK_SIGNATURE_INVALID' },
      },
    });
    expect(failures).toEqual([]);
    expect(await tableCounts(stack.b.pool)).toEqual(before);
    expect(send.sent).toBeLessThanOrEqual(MAX_REQUESTS);
  });
});
