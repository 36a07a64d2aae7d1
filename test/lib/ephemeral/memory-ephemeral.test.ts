import { createMemoryEphemeral, ExpiringMap } from '../../../lib/ephemeral/index.js';
import { describeEphemeralContract } from './contract.js';

describeEphemeralContract('in memory', () => ({
  sharedAcrossInstances: false,
  create: ({ onError }) => Promise.resolve(createMemoryEphemeral({ onError })),
  key: (name) => name,
  cleanup: () => Promise.resolve(),
}));

describe('ExpiringMap (the in-memory backing)', () => {
  it('sweep drops expired entries, so abandoned keys do not accumulate', () => {
    let now = 1_000;
    const map = new ExpiringMap<string>(() => now);
    for (let i = 0; i < 100; i++) map.set(`k${i}`, 'v', 50);
    map.set('alive', 'v', 10_000);
    now += 100;
    map.sweep();
    expect(map.size).toBe(1);
    expect(map.get('alive')).toBe('v');
  });
});
