import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

/**
 * oidc-provider storage for the local provider: one process, in memory, entries expire with their
 * TTL. The local provider is a test and dev tool, so losing its state on restart is intended;
 * giving it an explicit adapter also keeps oidc-provider's "in-memory adapter" warning out of logs.
 * Clients are seeded as `Client` entries rather than static `clients`: oidc-provider structuredClones
 * static client metadata, which breaks its plain-object check on client JWKS inside vm contexts (jest).
 */
export function memoryAdapterFactory(seed: Readonly<Record<string, readonly AdapterPayload[]>> = {}): AdapterFactory {
  const store = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  for (const [model, payloads] of Object.entries(seed)) {
    for (const payload of payloads) {
      const id = (payload as { client_id?: unknown }).client_id;
      if (typeof id !== 'string') throw new TypeError(`seed ${model} entries need a client_id`);
      store.set(`${model}:${id}`, { payload, expiresAt: Number.POSITIVE_INFINITY });
    }
  }
  const live = (key: string) => {
    const entry = store.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry;
  };
  return (name: string): Adapter => {
    const key = (id: string) => `${name}:${id}`;
    const findBy = (field: 'userCode' | 'uid', value: string) => {
      for (const [k, entry] of store) {
        if (k.startsWith(`${name}:`) && entry.payload[field] === value && live(k))
          return Promise.resolve(entry.payload);
      }
      return Promise.resolve(undefined);
    };
    return {
      upsert(id, payload, expiresIn) {
        store.set(key(id), {
          payload,
          expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY,
        });
        return Promise.resolve();
      },
      find: (id) => Promise.resolve(live(key(id))?.payload),
      findByUserCode: (userCode) => findBy('userCode', userCode),
      findByUid: (uid) => findBy('uid', uid),
      consume(id) {
        const entry = live(key(id));
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
        return Promise.resolve();
      },
      destroy(id) {
        store.delete(key(id));
        return Promise.resolve();
      },
      revokeByGrantId(grantId) {
        for (const [k, entry] of store) if (entry.payload.grantId === grantId) store.delete(k);
        return Promise.resolve();
      },
    };
  };
}
