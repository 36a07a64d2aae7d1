import { testRedisPrefix } from './services.js';

describe('testRedisPrefix', () => {
  it('gives each test file a distinct prefix', () => {
    expect(testRedisPrefix('a')).not.toEqual(testRedisPrefix('a'));
    expect(testRedisPrefix('kyc')).toMatch(/^test:kyc:[0-9a-f]{8}:$/);
  });
});
