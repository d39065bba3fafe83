/**
 * Failed-authentication limiter: N failures per window per remote address, then a lockout. Loopback is
 * not exempt (a local process guessing the token is still guessing). A success does not clear the count:
 * a guesser shares its address with legitimate clients (every local process; everyone behind one NAT),
 * and their logins must not reset its budget. Bounded in memory.
 * @module
 */

export interface RateLimitOptions {
  readonly maxAttempts: number;
  readonly windowMs: number;
  readonly lockoutMs: number;
  /** At most this many addresses are tracked; the oldest entries go first. */
  readonly maxEntries?: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { maxAttempts: 10, windowMs: 60_000, lockoutMs: 300_000 };

interface Entry {
  failures: number[];
  lockedUntil: number;
}

export class AuthRateLimiter {
  readonly #entries = new Map<string, Entry>();
  readonly #options: RateLimitOptions;
  readonly #now: () => number;

  constructor(options: RateLimitOptions = DEFAULT_RATE_LIMIT, now: () => number = Date.now) {
    this.#options = options;
    this.#now = now;
  }

  /** Milliseconds until the address may try again, or 0 when it may try now. */
  retryAfterMs(address: string): number {
    const entry = this.#entries.get(address);
    if (!entry) return 0;
    return Math.max(0, entry.lockedUntil - this.#now());
  }

  /** How many addresses are locked out now. */
  lockedOut(): number {
    const now = this.#now();
    let count = 0;
    for (const entry of this.#entries.values()) if (entry.lockedUntil > now) count++;
    return count;
  }

  /** Records a failure; returns the lockout in ms when this failure started one, else 0. */
  recordFailure(address: string): number {
    const now = this.#now();
    const entry = this.#entries.get(address) ?? { failures: [], lockedUntil: 0 };
    this.#entries.delete(address);
    this.#entries.set(address, entry); // re-insert: Map order is the eviction order
    entry.failures = entry.failures.filter((t) => now - t < this.#options.windowMs);
    entry.failures.push(now);
    if (entry.failures.length >= this.#options.maxAttempts) {
      entry.lockedUntil = now + this.#options.lockoutMs;
      entry.failures = [];
    }
    const max = this.#options.maxEntries ?? 10_000;
    while (this.#entries.size > max) this.#entries.delete(this.#entries.keys().next().value!);
    return Math.max(0, entry.lockedUntil - now);
  }
}
