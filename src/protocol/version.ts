/** Protocol versions: the server speaks 4 and accepts clients that can speak 3. @module */

export const PROTOCOL_VERSION = 4;
/** The oldest protocol we still answer (2026.4.x clients, probes and nodes). */
export const MIN_PROTOCOL_VERSION = 3;
export const MIN_PROBE_PROTOCOL_VERSION = 3;

export type ProtocolVersion = 3 | 4;

/**
 * Picks the protocol for a client range, or undefined when none fits.
 * A client without a range (the seed's simple connect) is treated as a v3 client.
 */
export function negotiateProtocol(min: number | undefined, max: number | undefined): ProtocolVersion | undefined {
  if (min === undefined && max === undefined) return 3;
  const lo = min ?? max!;
  const hi = max ?? min!;
  if (lo > hi || hi < MIN_PROTOCOL_VERSION || lo > PROTOCOL_VERSION) return undefined;
  return Math.min(hi, PROTOCOL_VERSION) as ProtocolVersion;
}
