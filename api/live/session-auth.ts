import { IncomingMessage, ServerResponse, type IncomingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { LiveAuthenticate } from './live-module.js';

/** The middleware of the API that {@link sessionAuthenticator} runs on an upgrade's headers. */
export interface SessionGuards {
  /** The API's express-session middleware (kyc's `createSessionMiddleware`: one cookie for player and staff). */
  readonly sessions: RequestHandler;
  /** kyc's `requirePlayer`: sets `req.user.accountId`, or answers 401. */
  readonly requirePlayer: RequestHandler;
  /** kyc's staff guard (`requireAdmin()`): sets `req.admin`, or answers 401/403. */
  readonly requireAdmin: RequestHandler;
}

/**
 * Authenticates a socket with the API's own session middleware and guards, not a second cookie
 * parser: each call builds a fresh GET request from the upgrade's headers (its cookie), lets the
 * session middleware load the session from the store, then runs each guard against a response
 * that goes nowhere: a guard that calls `next()` lets the principal through, one that answers
 * (401/403) does not. Expiry, idle timeouts and a logout are therefore what the API decides.
 */
export function sessionAuthenticator(guards: SessionGuards): LiveAuthenticate {
  // An application only for its request/response prototypes (req.get, req.accepts, res.status…).
  const app = express();
  const request = (headers: IncomingHttpHeaders): Request => {
    const req = new IncomingMessage(new Socket());
    req.method = 'GET';
    req.url = '/live';
    req.headers = { cookie: headers.cookie ?? '', host: headers.host ?? 'localhost', accept: 'application/json' };
    Object.setPrototypeOf(req, app.request);
    return req as Request;
  };
  const response = (req: Request): Response => {
    const res = new ServerResponse(req);
    Object.setPrototypeOf(res, app.response);
    const r = res as unknown as Response & { req: Request };
    r.req = req;
    r.locals = {};
    // What a refusing guard answers (problem+json) is written nowhere.
    r.end = (() => r) as Response['end'];
    return r;
  };
  /** Whether `handler` calls `next()` without an error; an answer, a thrown error or `next(error)` refuse. */
  const passes = async (guard: RequestHandler, req: Request): Promise<boolean> => {
    let passed = false;
    try {
      await guard(req, response(req), (error?: unknown) => {
        passed = error === undefined || error === null;
      });
    } catch {
      return false;
    }
    return passed;
  };
  return async (headers) => {
    if (!headers.cookie) return { accountId: null, admin: false };
    const req = request(headers);
    // The session middleware calls next() once the store answered (or with the store's error).
    await new Promise<void>((resolve, reject) => {
      guards.sessions(req, response(req), (error?: unknown) => {
        if (error === undefined || error === null) resolve();
        else reject(error instanceof Error ? error : new Error('the session store failed'));
      });
    });
    const player = await passes(guards.requirePlayer, req);
    const admin = await passes(guards.requireAdmin, req);
    const accountId = player ? (req.user?.accountId ?? null) : null;
    return { accountId, admin };
  };
}
