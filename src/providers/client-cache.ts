/** SDK clients kept per base URL and key (each holds a connection pool), the oldest dropped past a bound. @module */

export const SDK_OPTIONS = { maxRetries: 0, timeout: 10 * 60 * 1000 } as const;

export function clientCache<T>(limit = 32): (baseURL: string, apiKey: string, make: () => Promise<T>) => Promise<T> {
  const clients = new Map<string, T>();
  return async (baseURL, apiKey, make) => {
    const key = `${baseURL}\0${apiKey}`;
    let client = clients.get(key);
    if (!client) {
      client = await make();
      if (clients.size >= limit) clients.delete(clients.keys().next().value!);
      clients.set(key, client);
    }
    return client;
  };
}
