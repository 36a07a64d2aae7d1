import { z } from 'zod';
import { Problem } from './schemas.js';
import type { AnyRoute } from './route.js';

const json = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

/**
 * The OpenAPI 3.1 description, built from the same zod schemas that validate the requests
 * (OpenAPI 3.1 schemas are JSON Schema 2020-12, which `z.toJSONSchema` writes).
 */
export function openApiDocument(
  routes: readonly AnyRoute[],
  info: { title: string; version: string },
  problemCodes: Readonly<Record<string, number>> = {},
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', r.params],
      ['query', r.query],
    ] as const) {
      if (!schema) continue;
      const s = json(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, property] of Object.entries(s.properties ?? {})) {
        parameters.push({
          name,
          in: where,
          required: where === 'path' || (s.required ?? []).includes(name),
          schema: property,
        });
      }
    }
    if (r.idempotencyKey) {
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: r.idempotencyKey === 'required',
        description:
          'draft-ietf-httpapi-idempotency-key-header: same key and body → the first answer again; another body → 422; while the first is in flight → 409',
        // 1 to 255 visible ASCII characters, bare or as a quoted sf-string (api/app.ts idempotencyKey).
        schema: { type: 'string', pattern: '^(?:"[\\x21-\\x7e]{1,255}"|(?!".*"$)[\\x21-\\x7e]{1,255})$' },
      });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(r.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema ? { content: { 'application/json': { schema: json(response.schema, 'output') } } } : {}),
      };
    }
    responses.default = {
      description: 'Problem',
      content: { 'application/problem+json': { schema: json(Problem, 'output') } },
    };
    const security =
      r.auth === 'player'
        ? [{ playerSession: [] }]
        : r.auth === 'admin'
          ? [{ staff: [] }]
          : r.auth === 'webhook'
            ? [{ webhookSignature: [] }]
            : [];
    paths[path] = {
      ...paths[path],
      [r.method]: {
        summary: r.summary,
        tags: [r.tag],
        operationId: `${r.method}${path
          .replace(/[{}]/g, '')
          .replace(/\/(\w)/g, (_m, c: string) => c.toUpperCase())
          .replace(/[^\w]/g, '')}`,
        ...(parameters.length ? { parameters } : {}),
        ...(r.body
          ? { requestBody: { required: true, content: { 'application/json': { schema: json(r.body, 'input') } } } }
          : {}),
        responses,
        security,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    // A specification extension: every stable problem `code` the API answers, with its HTTP status.
    'x-problem-codes': Object.fromEntries(Object.entries(problemCodes).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      securitySchemes: {
        playerSession: { type: 'apiKey', in: 'cookie', name: 'verdict.sid', description: 'kyc session cookie' },
        staff: {
          type: 'openIdConnect',
          openIdConnectUrl: '/.well-known/openid-configuration',
          description: 'staff login (wired by the composition root)',
        },
        webhookSignature: { type: 'apiKey', in: 'header', name: 'x-sandbox-signature' },
      },
    },
  };
}
