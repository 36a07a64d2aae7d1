import { Coalescer, type LiveClock } from '../../api/live/coalescer.js';
import { parseChannel, parseClientMessage } from '../../api/live/channels.js';
import { isLiveError } from '../../api/live/errors.js';

/** A clock driven by hand: timers fire only when the test advances time. */
function manualClock() {
  let t = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let ids = 0;
  const clock: LiveClock = {
    now: () => t,
    setTimeout: (fn, ms) => {
      ids += 1;
      timers.push({ at: t + ms, fn, id: ids });
      return ids;
    },
    clearTimeout: (id) => {
      timers = timers.filter((x) => x.id !== id);
    },
  };
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    clock,
    async advance(ms: number) {
      const end = t + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const due = timers[0];
        if (!due || due.at > end) break;
        timers.shift();
        t = due.at;
        due.fn();
        await settle();
      }
      t = end;
      await settle();
    },
    settle,
  };
}

describe('Coalescer (leading and trailing edge, one run at a time)', () => {
  it('runs at once on the first poke, folds the pokes of an interval into one trailing run', async () => {
    const m = manualClock();
    const runs: number[] = [];
    const c = new Coalescer(() => Promise.resolve(void runs.push(m.clock.now())), 250, m.clock);
    c.poke();
    await m.settle();
    expect(runs).toEqual([0]);
    for (let i = 0; i < 50; i++) {
      await m.advance(4);
      c.poke();
    }
    expect(runs).toEqual([0]);
    await m.advance(1_000);
    expect(runs).toEqual([0, 250]);
    // Quiet for longer than the interval: the next poke runs at once again.
    c.poke();
    await m.settle();
    expect(runs).toEqual([0, 250, 1_200]);
  });

  it('at most one run per interval under a steady stream of pokes, and one after the last poke', async () => {
    const m = manualClock();
    const runs: number[] = [];
    const c = new Coalescer(() => Promise.resolve(void runs.push(m.clock.now())), 250, m.clock);
    for (let i = 0; i < 1_000; i++) {
      c.poke();
      await m.advance(3);
    }
    const lastPoke = m.clock.now() - 3;
    await m.advance(1_000);
    for (let i = 1; i < runs.length; i++) expect(runs[i]! - runs[i - 1]!).toBeGreaterThanOrEqual(250);
    expect(runs.length).toBeLessThanOrEqual(Math.ceil(3_000 / 250) + 1);
    expect(runs.at(-1)!).toBeGreaterThanOrEqual(lastPoke);
  });

  it('a poke during a run is followed by another run that starts after it (no lost update)', async () => {
    const m = manualClock();
    let release!: () => void;
    const started: number[] = [];
    const c = new Coalescer(
      () => {
        started.push(m.clock.now());
        return new Promise<void>((r) => (release = r));
      },
      100,
      m.clock,
    );
    c.poke();
    await m.settle();
    expect(started).toEqual([0]);
    await m.advance(500);
    c.poke(); // while the first run is still reading
    await m.advance(500);
    expect(started).toEqual([0]); // never two at once
    release();
    await m.settle();
    expect(started).toEqual([0, 1_000]);
    release();
    await m.advance(1_000);
    expect(started).toEqual([0, 1_000]);
  });

  it('flush resolves after a run that started after it; a failed run is retried at the next interval', async () => {
    const m = manualClock();
    let fail = true;
    const errors: unknown[] = [];
    const runs: number[] = [];
    const c = new Coalescer(
      () => {
        runs.push(m.clock.now());
        if (fail) return Promise.reject(new Error('down'));
        return Promise.resolve();
      },
      100,
      m.clock,
      (e) => errors.push(e),
    );
    await expect(c.flush()).rejects.toThrow('down');
    expect(errors).toEqual([]); // the flusher was told, not the error hook
    c.poke();
    await m.settle();
    expect(errors).toHaveLength(0);
    await m.advance(100);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    fail = false;
    await m.advance(300);
    const n = runs.length;
    await m.advance(1_000);
    expect(runs.length).toBe(n); // healed: no more retries
    c.close();
    await expect(c.flush()).rejects.toThrow('closed');
  });
});

describe('live protocol parsing', () => {
  it('accepts subscribe/unsubscribe of market:<id>, me and admin only', () => {
    expect(parseClientMessage('{"type":"subscribe","channel":"market:12"}')).toEqual({
      type: 'subscribe',
      channel: 'market:12',
    });
    expect(parseChannel('market:12')).toEqual({ kind: 'market', name: 'market:12', marketId: '12' });
    expect(parseChannel('me').kind).toBe('me');
    expect(parseChannel('admin').kind).toBe('admin');
    for (const bad of ['market:0', 'market:-1', 'market:01', 'market:99999999999999999999', 'me ', 'player:1', '']) {
      let thrown: unknown;
      try {
        parseChannel(bad);
      } catch (error) {
        thrown = error;
      }
      expect(isLiveError(thrown, 'LIVE_CHANNEL_UNKNOWN')).toBe(true);
    }
    for (const bad of [
      '',
      'null',
      '[]',
      '"x"',
      '{"type":"subscribe"}',
      '{"type":"sub","channel":"me"}',
      '{"type":"subscribe","channel":7}',
    ]) {
      let thrown: unknown;
      try {
        parseClientMessage(bad);
      } catch (error) {
        thrown = error;
      }
      expect(isLiveError(thrown, 'LIVE_MESSAGE_INVALID')).toBe(true);
    }
  });
});
