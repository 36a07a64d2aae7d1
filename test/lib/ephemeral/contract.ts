import type { SessionData, Store } from 'express-session';
import type { Ephemeral } from '../../../lib/ephemeral/index.js';

/** What one backend gives the contract suite. */
export interface EphemeralBackend {
  /** A fresh instance; `onError` receives what a throwing subscriber threw. */
  create(options: { onError: (error: unknown) => void }): Promise<Ephemeral>;
  /** A key (or channel, or session prefix) of this test run, so parallel runs never share one. */
  key(name: string): string;
  /** True when two instances share the state (Redis): a publish on one reaches the other. */
  readonly sharedAcrossInstances: boolean;
  cleanup(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the first `n` messages a handler receives, or rejects after `timeoutMs`. */
function collector(n: number, timeoutMs = 2_000) {
  const seen: string[] = [];
  let resolve: (messages: string[]) => void = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<string[]>((res, rej) => {
    resolve = (messages) => {
      clearTimeout(timer);
      res(messages);
    };
    timer = setTimeout(
      () => rej(new Error(`received ${seen.length} of ${n} messages: ${JSON.stringify(seen)}`)),
      timeoutMs,
    );
  });
  return {
    seen,
    done,
    handler: (message: string) => {
      seen.push(message);
      if (seen.length === n) resolve([...seen]);
    },
  };
}

const call = <T>(fn: (cb: (error?: unknown, value?: T) => void) => void) =>
  new Promise<T | undefined>((resolve, reject) =>
    fn((error, value) =>
      error ? reject(error instanceof Error ? error : new Error('store callback failed')) : resolve(value),
    ),
  );

function sessionWith(expiresInMs: number | null, extra: Record<string, unknown> = {}): SessionData {
  const cookie =
    expiresInMs === null
      ? { originalMaxAge: null, httpOnly: true, path: '/' }
      : { originalMaxAge: expiresInMs, expires: new Date(Date.now() + expiresInMs), httpOnly: true, path: '/' };
  return { cookie, ...extra };
}

/**
 * The contract of Redis's roles (lib/ephemeral/ephemeral.ts), run against each implementation: the
 * Redis one on the real Redis, the in-memory one in this process. Same assertions, no branch on the
 * backend except the cross-instance fan-out, which only a shared backend can offer.
 */
export function describeEphemeralContract(name: string, backend: () => EphemeralBackend): void {
  describe(`ephemeral contract: ${name}`, () => {
    let b: EphemeralBackend;
    let e: Ephemeral;
    const errors: unknown[] = [];

    beforeAll(async () => {
      b = backend();
      e = await b.create({ onError: (error) => errors.push(error) });
    });
    afterAll(async () => {
      await e.close();
      await b.cleanup();
    });

    describe('oneShot', () => {
      it('gives a value back once, then null; an unknown key is null', async () => {
        const key = b.key('once');
        await e.oneShot.put(key, '{"state":"s1"}', 60_000);
        expect(await e.oneShot.take(key)).toBe('{"state":"s1"}');
        expect(await e.oneShot.take(key)).toBeNull();
        expect(await e.oneShot.take(b.key('never-put'))).toBeNull();
      });

      it('a second put replaces the first value', async () => {
        const key = b.key('replace');
        await e.oneShot.put(key, 'a', 60_000);
        await e.oneShot.put(key, 'b', 60_000);
        expect(await e.oneShot.take(key)).toBe('b');
      });

      it('forgets a value after its TTL', async () => {
        const key = b.key('ttl');
        await e.oneShot.put(key, 'v', 100);
        await sleep(250);
        expect(await e.oneShot.take(key)).toBeNull();
      });

      it('of 20 concurrent takes exactly one gets the value', async () => {
        const key = b.key('race');
        await e.oneShot.put(key, 'prize', 60_000);
        const results = await Promise.all(Array.from({ length: 20 }, () => e.oneShot.take(key)));
        expect(results.filter((r) => r === 'prize')).toHaveLength(1);
        expect(results.filter((r) => r === null)).toHaveLength(19);
      });
    });

    describe('counters', () => {
      it('counts hits per key within a window, each key on its own', async () => {
        const a = b.key('count-a');
        const c = b.key('count-b');
        expect((await e.counters.hit(a, 60_000)).count).toBe(1);
        expect((await e.counters.hit(a, 60_000)).count).toBe(2);
        expect((await e.counters.hit(c, 60_000)).count).toBe(1);
        const third = await e.counters.hit(a, 60_000);
        expect(third.count).toBe(3);
        expect(third.resetInMs).toBeGreaterThan(0);
        expect(third.resetInMs).toBeLessThanOrEqual(60_000);
      });

      it('the window does not slide: later hits do not extend it, and a new window starts at 1', async () => {
        const key = b.key('window');
        const first = await e.counters.hit(key, 300);
        await sleep(150);
        const second = await e.counters.hit(key, 300);
        expect(second.count).toBe(2);
        expect(second.resetInMs).toBeLessThanOrEqual(first.resetInMs - 100);
        await sleep(300);
        expect((await e.counters.hit(key, 300)).count).toBe(1);
      });

      it('50 concurrent hits get the counts 1 to 50, each once', async () => {
        const key = b.key('concurrent');
        const counts = (await Promise.all(Array.from({ length: 50 }, () => e.counters.hit(key, 60_000)))).map(
          (r) => r.count,
        );
        expect([...counts].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      });
    });

    describe('fanOut', () => {
      it('delivers to every subscriber of the channel, in publish order, and nothing of other channels', async () => {
        const channel = b.key('odds');
        const one = collector(3);
        const two = collector(3);
        const other = collector(1, 500);
        const unsubs = [
          await e.fanOut.subscribe(channel, one.handler),
          await e.fanOut.subscribe(channel, two.handler),
          await e.fanOut.subscribe(b.key('elsewhere'), other.handler),
        ];
        for (const m of ['m1', 'm2', 'm3']) await e.fanOut.publish(channel, m);
        expect(await one.done).toEqual(['m1', 'm2', 'm3']);
        expect(await two.done).toEqual(['m1', 'm2', 'm3']);
        await expect(other.done).rejects.toThrow('received 0 of 1');
        for (const u of unsubs) await u();
      });

      it('never runs a handler inside publish', async () => {
        const channel = b.key('async');
        let inside = false;
        let ranInside: boolean | undefined;
        const got = collector(1);
        const unsub = await e.fanOut.subscribe(channel, (m) => {
          ranInside = inside;
          got.handler(m);
        });
        inside = true;
        const publishing = e.fanOut.publish(channel, 'x');
        inside = false;
        await publishing;
        await got.done;
        expect(ranInside).toBe(false);
        await unsub();
      });

      it('stops delivering after unsubscribe (twice is harmless); other subscribers keep receiving', async () => {
        const channel = b.key('unsub');
        const gone: string[] = [];
        const stays = collector(2);
        const unsubGone = await e.fanOut.subscribe(channel, (m) => gone.push(m));
        const unsubStays = await e.fanOut.subscribe(channel, stays.handler);
        await e.fanOut.publish(channel, 'before');
        await sleep(100);
        await unsubGone();
        await unsubGone();
        await e.fanOut.publish(channel, 'after');
        expect(await stays.done).toEqual(['before', 'after']);
        expect(gone).toEqual(['before']);
        await unsubStays();
      });

      it('a throwing handler is reported and does not stop the others', async () => {
        const channel = b.key('throws');
        const boom = new Error('handler failed');
        const got = collector(1);
        const before = errors.length;
        const u1 = await e.fanOut.subscribe(channel, () => {
          throw boom;
        });
        const u2 = await e.fanOut.subscribe(channel, got.handler);
        await e.fanOut.publish(channel, 'still delivered');
        expect(await got.done).toEqual(['still delivered']);
        expect(errors.slice(before)).toEqual([boom]);
        await u1();
        await u2();
      });

      it('reaches the subscribers of another instance when the backend is shared', async () => {
        if (!b.sharedAcrossInstances) {
          // One process only: the in-memory fan-out has no other instance to reach (docs/local-stack.md).
          expect(e.kind).toBe('memory');
          return;
        }
        const other = await b.create({ onError: (error) => errors.push(error) });
        try {
          const channel = b.key('cross');
          const got = collector(1);
          const unsub = await other.fanOut.subscribe(channel, got.handler);
          await e.fanOut.publish(channel, 'from instance one');
          expect(await got.done).toEqual(['from instance one']);
          await unsub();
        } finally {
          await other.close();
        }
      });
    });

    describe('sessionStore', () => {
      let store: Store;
      let prefix: string;
      beforeAll(() => {
        prefix = b.key('sess:');
        store = e.sessionStore({ prefix, ttlSeconds: 60 });
      });

      it('stores a copy of the session and gives it back; unknown is null; destroy removes it', async () => {
        const sess = sessionWith(60_000, { kycLoginStartedAt: 7 });
        await call((cb) => store.set('sid-1', sess, cb));
        (sess as unknown as { kycLoginStartedAt: number }).kycLoginStartedAt = 8;
        const read = await call<SessionData | null>((cb) => store.get('sid-1', cb));
        expect(read).toMatchObject({ kycLoginStartedAt: 7, cookie: { httpOnly: true, path: '/' } });
        expect(await call((cb) => store.get('sid-unknown', cb))).toBeNull();
        await call((cb) => store.destroy('sid-1', cb));
        expect(await call((cb) => store.get('sid-1', cb))).toBeNull();
      });

      it('keeps a session as long as its cookie; an already expired cookie stores nothing', async () => {
        await call((cb) => store.set('sid-short', sessionWith(1_000), cb));
        await call((cb) => store.set('sid-none', sessionWith(null), cb));
        await call((cb) => store.set('sid-past', sessionWith(-5_000), cb));
        expect(await call((cb) => store.get('sid-past', cb))).toBeNull();
        expect(await call((cb) => store.get('sid-short', cb))).not.toBeNull();
        await sleep(1_300);
        expect(await call((cb) => store.get('sid-short', cb))).toBeNull();
        // No cookie expiry: the store's TTL (60 s) applies.
        expect(await call((cb) => store.get('sid-none', cb))).not.toBeNull();
      });

      it('touch extends the life of a session to its new cookie expiry', async () => {
        await call((cb) => store.set('sid-touch', sessionWith(1_000, { n: 1 }), cb));
        await call<void>((cb) => store.touch!('sid-touch', sessionWith(60_000), () => cb()));
        await sleep(1_300);
        expect(await call((cb) => store.get('sid-touch', cb))).toMatchObject({ n: 1 });
      });

      it('length and clear see only this prefix', async () => {
        const mine = e.sessionStore({ prefix: b.key('count-sess:'), ttlSeconds: 60 });
        const theirs = e.sessionStore({ prefix: b.key('other-sess:'), ttlSeconds: 60 });
        await call((cb) => mine.set('a', sessionWith(60_000), cb));
        await call((cb) => mine.set('b', sessionWith(60_000), cb));
        await call((cb) => theirs.set('c', sessionWith(60_000), cb));
        expect(await call<number>((cb) => mine.length!(cb))).toBe(2);
        await call((cb) => mine.clear!(cb));
        expect(await call<number>((cb) => mine.length!(cb))).toBe(0);
        expect(await call((cb) => theirs.get('c', cb))).not.toBeNull();
      });
    });
  });
}
