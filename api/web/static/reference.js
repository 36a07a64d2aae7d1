// The API reference page: /openapi.json rendered as HTML (operations by tag, their parameters, bodies,
// answers and authentication; the problem codes). Schemas are JSON Schema 2020-12 as zod emits them.
import { api, h, showProblem, ApiProblem, whenReady } from '/static/app.js';

const AUTH = {
  playerSession: 'joueur (cookie de session)',
  staff: 'personnel (connexion staff)',
  webhookSignature: 'webhook signé (HMAC)',
};
const TAGS = {
  operations: 'Exploitation',
  markets: 'Événements et marchés',
  bets: 'Paris',
  wallet: 'Portefeuille et paiements',
  admin: 'Administration',
};

/** `#/…` JSON pointer inside the document. */
function resolve(doc, schema) {
  let s = schema;
  for (let hops = 0; s?.$ref && hops < 16; hops++) {
    const path = s.$ref.replace(/^#\//, '').split('/');
    s = path.reduce((node, key) => node?.[decodeURIComponent(key.replace(/~1/g, '/').replace(/~0/g, '~'))], doc);
  }
  return s ?? {};
}

/** A one-line type of a schema: `string (date-time)`, `integer ≥ 1`, `"a" | "b"`, `array of object`… */
function typeOf(doc, schema) {
  const s = resolve(doc, schema);
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return alternatives.map((a) => typeOf(doc, a)).join(' | ');
  let type = Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? (s.properties ? 'object' : 'any'));
  if (type === 'array' && s.items) type = `array of ${typeOf(doc, s.items)}`;
  const facets = [];
  if (s.format) facets.push(s.format);
  if (s.pattern) facets.push(`/${s.pattern}/`);
  if (s.minimum !== undefined) facets.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) facets.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) facets.push(`≤ ${s.maximum}`);
  if (s.minLength !== undefined) facets.push(`longueur ≥ ${s.minLength}`);
  if (s.maxLength !== undefined) facets.push(`longueur ≤ ${s.maxLength}`);
  if (s.maxItems !== undefined) facets.push(`≤ ${s.maxItems} éléments`);
  return facets.length ? `${type} (${facets.join(', ')})` : type;
}

/** The properties of an object schema as a nested list (depth-bounded: the page stays readable). */
function fields(doc, schema, depth = 0) {
  const s = resolve(doc, schema);
  const target = s.type === 'array' && s.items ? resolve(doc, s.items) : s;
  const properties = target.properties;
  if (!properties || depth > 3) return null;
  const required = new Set(target.required ?? []);
  return h(
    'ul',
    { class: 'schema' },
    ...Object.entries(properties).map(([name, property]) =>
      h(
        'li',
        {},
        h('code', {}, name),
        required.has(name) ? '' : h('span', { class: 'muted' }, ' (facultatif)'),
        ' : ',
        h('span', { class: 'schema-type' }, typeOf(doc, property)),
        resolve(doc, property).description
          ? h('span', { class: 'muted' }, ` — ${resolve(doc, property).description}`)
          : '',
        fields(doc, property, depth + 1) ?? '',
      ),
    ),
  );
}

function anchorOf(method, path) {
  return `op-${method}-${path.replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

function operation(doc, method, path, op) {
  const id = anchorOf(method, path);
  const auth = (op.security ?? []).flatMap((s) => Object.keys(s)).map((k) => AUTH[k] ?? k);
  const parts = [
    h('h3', { id }, h('span', { class: `method method-${method}` }, method.toUpperCase()), ' ', h('code', {}, path)),
    h('p', {}, op.summary ?? ''),
    h('p', { class: 'small' }, 'Accès : ', auth.length ? auth.join(', ') : 'public'),
  ];
  if (op.parameters?.length) {
    parts.push(
      h(
        'table',
        { class: 'small' },
        h('caption', {}, 'Paramètres'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'nom'),
            h('th', { scope: 'col' }, 'où'),
            h('th', { scope: 'col' }, 'type'),
          ),
        ),
        h(
          'tbody',
          {},
          ...op.parameters.map((p) =>
            h(
              'tr',
              {},
              h('td', {}, h('code', {}, p.name), p.required ? '' : h('span', { class: 'muted' }, ' (facultatif)')),
              h('td', {}, p.in),
              h(
                'td',
                {},
                typeOf(doc, p.schema),
                p.description ? h('span', { class: 'muted' }, ` — ${p.description}`) : '',
              ),
            ),
          ),
        ),
      ),
    );
  }
  const body = op.requestBody?.content?.['application/json']?.schema;
  if (body) parts.push(h('p', { class: 'small' }, 'Corps (JSON) : ', typeOf(doc, body)), fields(doc, body) ?? '');
  const answers = Object.entries(op.responses ?? {}).map(([status, r]) => {
    const schema = r.content?.['application/json']?.schema ?? r.content?.['application/problem+json']?.schema;
    return h(
      'li',
      {},
      h('strong', {}, status === 'default' ? 'erreur' : status),
      ` ${r.description ?? ''}`,
      status === 'default' ? ' (application/problem+json)' : '',
      status !== 'default' && schema
        ? h('details', {}, h('summary', {}, 'Champs'), fields(doc, schema) ?? typeOf(doc, schema))
        : '',
    );
  });
  parts.push(h('p', { class: 'small' }, 'Réponses :'), h('ul', {}, ...answers));
  return h('article', { class: 'operation', dataset: { operation: `${method.toUpperCase()} ${path}` } }, ...parts);
}

async function render() {
  const status = document.getElementById('reference-status');
  let doc;
  try {
    doc = await api('/openapi.json');
  } catch (error) {
    status.hidden = true;
    showProblem(document.getElementById('problem'), error instanceof ApiProblem ? error : new ApiProblem(0, {}));
    return;
  }
  const byTag = new Map();
  for (const [path, methods] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags?.[0] ?? 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ method, path, op });
    }
  }
  const sections = [];
  const toc = [];
  for (const [tag, ops] of byTag) {
    const id = `tag-${tag}`;
    toc.push(h('li', {}, h('a', { href: `#${id}` }, TAGS[tag] ?? tag), ` (${ops.length})`));
    sections.push(
      h(
        'section',
        { 'aria-labelledby': id },
        h('h2', { id }, TAGS[tag] ?? tag),
        ...ops.map(({ method, path, op }) => operation(doc, method, path, op)),
      ),
    );
  }
  document.getElementById('reference-toc-list').replaceChildren(...toc);
  document.getElementById('reference-toc').hidden = false;
  document.getElementById('reference-operations').replaceChildren(...sections);
  const codes = Object.entries(doc['x-problem-codes'] ?? {});
  document
    .getElementById('reference-codes-body')
    .replaceChildren(
      ...codes.map(([code, http]) =>
        h('tr', {}, h('td', {}, h('code', {}, code)), h('td', { class: 'num' }, String(http))),
      ),
    );
  document.getElementById('reference-codes').hidden = codes.length === 0;
  status.textContent = `${Object.values(doc.paths ?? {}).reduce((n, m) => n + Object.keys(m).length, 0)} opérations · ${doc.info?.title ?? ''} ${doc.info?.version ?? ''}`;
}

whenReady(render());
