import { startHardhatNode, type HardhatNode } from './chain.js';

describe('startHardhatNode', () => {
  let node: HardhatNode;
  beforeAll(async () => {
    node = await startHardhatNode();
  });
  afterAll(async () => {
    await node.stop();
  });

  it('serves JSON-RPC on loopback with funded development accounts', async () => {
    expect(node.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await node.provider.getNetwork()).chainId).toBe(31337n);
    const tx = await node.wallet(0).sendTransaction({ to: node.wallet(1).address, value: 1n });
    expect((await tx.wait())?.status).toBe(1);
  });
});
