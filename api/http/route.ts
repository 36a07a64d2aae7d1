import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import { ApiError } from '../errors.js';

/** Who may call a route. */
export type RouteAuth = 'public' | 'player' | 'admin' | 'webhook';

type AnyObject = z.ZodObject<z.ZodRawShape>;

/** What a handler returns: status, JSON body, extra headers. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** One route: the zod schemas that validate it are the ones the OpenAPI description is built from. */
export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  readonly method: 'get' | 'post';
  /** Express path (`/markets/:marketId`). */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  readonly auth: RouteAuth;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** `raw`: the body is kept as bytes (signed webhooks) and parsed by the handler. */
  readonly bodyFormat?: 'json' | 'raw';
  /** The route requires (or honours when sent) an `Idempotency-Key` header. */
  readonly idempotencyKey?: 'required' | 'optional';
  readonly responses: Readonly<Record<number, { readonly description: string; readonly schema?: z.ZodType }>>;
  readonly handle: (input: { params: z.infer<P>; query: z.infer<Q>; body: z.infer<B>; req: Request }) => Promise<Reply>;
}

/** A route with its types erased, for the route table. */
export type AnyRoute = RouteSpec<AnyObject, AnyObject, z.ZodType>;

/** Declares a route (keeps the handler's input typed by its schemas). */
export function route<
  P extends AnyObject = AnyObject,
  Q extends AnyObject = AnyObject,
  B extends z.ZodType = z.ZodUndefined,
>(spec: RouteSpec<P, Q, B>): AnyRoute {
  return spec;
}

/** Parses one part of the request, or throws API_REQUEST_INVALID naming every invalid field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'path'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = result.error.issues.map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  throw new ApiError('API_REQUEST_INVALID', `Invalid request ${where}: ${errors.map((e) => e.path).join(', ')}.`, {
    details: { errors },
  });
}

/** Runs a route: validates params, query and body, then answers with the handler's reply. */
export function toHandler(spec: AnyRoute): RequestHandler {
  const emptyStrict = z.strictObject({});
  return async (req, res) => {
    const params = parse(spec.params ?? z.object({}), req.params, 'path');
    const query = parse(spec.query ?? emptyStrict, req.query ?? {}, 'query');
    const body = spec.body && spec.bodyFormat !== 'raw' ? parse(spec.body, req.body, 'body') : (req.body as unknown);
    const reply = await spec.handle({ params, query, body, req });
    if (reply.headers) res.set(reply.headers);
    res.status(reply.status).set('cache-control', 'no-store').json(reply.body);
  };
}
