import type { RequestHandler } from 'express';
import { KycError } from '../../../kyc/index.js';
import { ApiError } from '../../../api/errors.js';
import type { HttpPorts } from '../../../api/ports.js';

/**
 * Test stand-ins for the middleware the composition root injects (kyc's requirePlayer and CSRF
 * check, staff authentication): the player is named by `x-test-player`, the admin by `x-test-admin`.
 * They behave as the real ports are specified to: 401 problem+json KYC_NOT_AUTHENTICATED without a player.
 */
export function testHttpPorts(): HttpPorts & { csrfCalls: number } {
  const ports = {
    csrfCalls: 0,
    requirePlayer: ((req, _res, next) => {
      const id = req.get('x-test-player');
      if (!id) return next(new KycError('KYC_NOT_AUTHENTICATED', 'You are not signed in.'));
      req.user = { accountId: id };
      next();
    }) as RequestHandler,
    requireAdmin: ((req, _res, next) => {
      const actor = req.get('x-test-admin');
      if (!actor) return next(new ApiError('ADMIN_NOT_AUTHENTICATED', 'Staff sign-in required.'));
      req.admin = { actor };
      next();
    }) as RequestHandler,
    csrf: ((_req, _res, next) => {
      ports.csrfCalls += 1;
      next();
    }) as RequestHandler,
  };
  return ports;
}
