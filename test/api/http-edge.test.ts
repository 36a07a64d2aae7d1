/* eslint-disable @typescript-eslint/no-unsafe-member-access -- supertest bodies are untyped JSON; the assertions check their shape */
import express from 'express';
import request from 'supertest';
import { KycError } from '../../kyc/index.js';
import { ApiError } from '../../api/errors.js';
import { jsonBody } from '../../api/http/body.js';
import { API_ERROR_STATUS, ERROR_STATUS, problemHandler, requestId } from '../../api/http/problem.js';
import { signSandbox, verifySandboxSignature } from '../../api/wallet/payment-provider.js';

function appThrowing(error: unknown, logged: unknown[]) {
  const app = express();
  app.use(requestId);
  app.get('/boom', () => {
    throw error;
  });
  app.use(problemHandler({ error: (o: unknown) => logged.push(o), debug: () => undefined }));
  return app;
}

describe('problem+json edge', () => {
  it('turns an unknown error into a 500 without detail, never sending its message or cause', async () => {
    const logged: unknown[] = [];
    const secret = new Error('connection to postgres://admin:hunter2@db failed', { cause: new Error('inner secret') });
    const res = await request(appThrowing(secret, logged)).get('/boom').set('x-request-id', 'req-12345678');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'API_INTERNAL', status: 500, requestId: 'req-12345678', instance: '/boom' });
    expect(JSON.stringify(res.body)).not.toMatch(/hunter2|inner secret|postgres/);
    expect(logged).toHaveLength(1);
  });

  it('sends a typed error with its status and message, but not its cause', async () => {
    const error = new ApiError('INSUFFICIENT_FUNDS', 'Your balance is lower than the total stake.', {
      cause: new Error('23514 detail'),
    });
    const res = await request(appThrowing(error, [])).get('/boom');
    expect([res.status, res.body.code, res.body.detail]).toEqual([402, 'INSUFFICIENT_FUNDS', error.message]);
    expect(JSON.stringify(res.body)).not.toMatch(/23514/);
    expect(res.headers['x-request-id']).toBe(res.body.requestId);
  });

  it("maps kyc's codes through the same table", async () => {
    const res = await request(appThrowing(new KycError('KYC_NOT_AUTHENTICATED', 'You are not signed in.'), [])).get(
      '/boom',
    );
    expect([res.status, res.body.code]).toEqual([401, 'KYC_NOT_AUTHENTICATED']);
    expect(ERROR_STATUS.KYC_ACCOUNT_SUSPENDED).toBe(403);
    for (const status of Object.values(API_ERROR_STATUS)) expect(status).toBeGreaterThanOrEqual(400);
  });

  it('replaces a request id that is not sane', async () => {
    const res = await request(appThrowing(new Error('x'), []))
      .get('/boom')
      .set('x-request-id', 'bad id <script>');
    expect(res.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

// Found by test/api/hostile-client.int.test.ts: each was a 500 (or, for UTF-7, an accepted body).
describe("the framework's refusals are the client's (api/http/body.ts, problemHandler)", () => {
  const app = express();
  app.use(requestId);
  app.get('/things/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  app.post('/things', jsonBody('1kb'), (req, res) => {
    res.json(req.body);
  });
  app.use(problemHandler());
  const refused = (res: request.Response) => {
    expect([res.status, res.body.code]).toEqual([400, 'API_REQUEST_INVALID']);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  };

  it('answers a path parameter that is not valid percent-encoding with 400, not 500', async () => {
    for (const id of ['%E0%A4%A', '%', '%zz']) {
      const res = await request(app).get(`/things/${id}`);
      refused(res);
      expect(res.body.errors).toEqual([{ path: 'path', message: 'invalid percent-encoding' }]);
    }
    expect((await request(app).get('/things/%C3%A9')).body).toEqual({ id: 'é' });
  });

  it('answers a compressed body that does not inflate with 400, not 500', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      refused(await request(app).post('/things').set('content-encoding', encoding).type('json').send('{"a":1}'));
    }
  });

  it('takes JSON in UTF-8 only (no UTF-7 or UTF-16 decoding)', async () => {
    for (const charset of ['utf-7', 'utf-16', 'latin1', 'utf8']) {
      refused(
        await request(app).post('/things').set('content-type', `application/json; charset=${charset}`).send('{"a":1}'),
      );
    }
    for (const type of ['application/json', 'application/json; charset=UTF-8', 'application/json;charset="utf-8"']) {
      const res = await request(app).post('/things').set('content-type', type).send('{"a":1}');
      expect([res.status, res.body]).toEqual([200, { a: 1 }]);
    }
  });
});

describe('sandbox webhook signature', () => {
  const secret = 's'.repeat(32);
  const body = '{"paymentId":"p","reference":"r","status":"completed"}';
  const now = new Date('2026-12-03T12:00:00Z');
  const t = Math.floor(now.getTime() / 1000);

  it('accepts the signature of the body within five minutes', () => {
    expect(verifySandboxSignature(secret, Buffer.from(body), signSandbox(secret, body, t - 299), now)).toBe(true);
  });

  it('refuses another body, another secret, an old or future timestamp and malformed headers', () => {
    const sig = signSandbox(secret, body, t);
    expect(verifySandboxSignature(secret, Buffer.from(body.replace('completed', 'failed')), sig, now)).toBe(false);
    expect(verifySandboxSignature('t'.repeat(32), Buffer.from(body), sig, now)).toBe(false);
    expect(verifySandboxSignature(secret, Buffer.from(body), signSandbox(secret, body, t - 301), now)).toBe(false);
    expect(verifySandboxSignature(secret, Buffer.from(body), signSandbox(secret, body, t + 301), now)).toBe(false);
    for (const bad of [undefined, '', 'v1=abc', `t=${t}`, `t=x,v1=${'0'.repeat(64)}`, sig.replace(/.$/, 'g')]) {
      expect(verifySandboxSignature(secret, Buffer.from(body), bad, now)).toBe(false);
    }
  });
});
