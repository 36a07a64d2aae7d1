import { PollLoop } from '../../lib/poll-loop.js';

describe('PollLoop', () => {
  it('ticks again at once while busy, and goes on after a failing tick', async () => {
    const errors: unknown[] = [];
    let ticks = 0;
    let done!: () => void;
    const fourTicks = new Promise<void>((resolve) => (done = resolve));
    const loop = new PollLoop(
      () => {
        ticks += 1;
        if (ticks === 4) done();
        if (ticks === 2) return Promise.reject(new Error('boom'));
        return Promise.resolve(ticks === 1); // busy once, then idle
      },
      20,
      (error) => errors.push(error),
    );
    loop.start();
    loop.start(); // a second start is a no-op
    await fourTicks;
    await loop.stop();
    expect(ticks).toBe(4);
    expect(errors).toEqual([new Error('boom')]);
  });

  it('stops a loop that waits between ticks at once', async () => {
    let ticked!: () => void;
    const firstTick = new Promise<void>((resolve) => (ticked = resolve));
    const loop = new PollLoop(
      () => {
        ticked();
        return Promise.resolve(false);
      },
      60_000,
      () => undefined,
    );
    loop.start();
    await firstTick;
    const started = Date.now();
    await loop.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
  it('ticks at once when poked: while waiting, and after a tick during which it was poked', async () => {
    let ticks = 0;
    let release!: () => void;
    const waiters: (() => void)[] = [];
    const next = () => new Promise<void>((resolve) => waiters.push(resolve));
    const loop = new PollLoop(
      async () => {
        ticks += 1;
        waiters.splice(0).forEach((w) => w());
        if (ticks === 2) await new Promise<void>((resolve) => (release = resolve));
        return false;
      },
      60_000,
      () => undefined,
    );
    const first = next();
    loop.start();
    await first;
    const second = next();
    loop.poke(); // waiting 60 s: wakes now
    await second;
    expect(ticks).toBe(2);
    const third = next();
    loop.poke(); // inside tick 2: tick 3 follows without the 60 s pause
    release();
    await third;
    expect(ticks).toBe(3);
    await loop.stop();
  });
});
