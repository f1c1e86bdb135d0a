/**
 * Authentication failures per client address: after `maxFailures` wrong answers within
 * `failureWindow` ms, the address is refused (with the ordinary auth failure) for `blockDuration`
 * ms, whatever it sends. The table is bounded (`maxAddresses`, least recently failing forgotten
 * first), so a flood from many addresses costs bounded memory too.
 */

export const DEFAULT_MAX_AUTH_FAILURES = 5;
export const DEFAULT_AUTH_FAILURE_WINDOW = 60_000;
export const DEFAULT_AUTH_BLOCK_DURATION = 60_000;
export const DEFAULT_MAX_TRACKED_ADDRESSES = 10_000;

export interface FailureThrottleOptions {
  /** Failures within the window that block an address. 0 = never block. Default 5. */
  maxFailures?: number;
  /** ms over which failures are counted. Default 60,000. */
  failureWindow?: number;
  /** ms an address stays refused. Default 60,000. */
  blockDuration?: number;
  /** Addresses tracked at once. Default 10,000. */
  maxAddresses?: number;
}

interface AddressRecord {
  /** Failure times within the window, oldest first (at most maxFailures kept). */
  failures: number[];
  blockedUntil: number;
}

export class FailureThrottle {
  private readonly records = new Map<string, AddressRecord>();
  private readonly maxFailures: number;
  private readonly window: number;
  private readonly block: number;
  private readonly maxAddresses: number;

  constructor(
    options: FailureThrottleOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.maxFailures = options.maxFailures ?? DEFAULT_MAX_AUTH_FAILURES;
    this.window = options.failureWindow ?? DEFAULT_AUTH_FAILURE_WINDOW;
    this.block = options.blockDuration ?? DEFAULT_AUTH_BLOCK_DURATION;
    this.maxAddresses = options.maxAddresses ?? DEFAULT_MAX_TRACKED_ADDRESSES;
  }

  /** Addresses tracked right now (failing recently or blocked). */
  get size(): number {
    return this.records.size;
  }

  /** Whether `address` is refused right now. */
  blocked(address: string | undefined): boolean {
    if (address === undefined || this.maxFailures <= 0) return false;
    const record = this.records.get(address);
    if (!record) return false;
    if (record.blockedUntil > this.now()) return true;
    if (record.blockedUntil > 0) this.records.delete(address); // served its time: a clean slate
    return false;
  }

  /** A wrong answer from `address`; true when this one blocks it. */
  fail(address: string | undefined): boolean {
    if (address === undefined || this.maxFailures <= 0) return false;
    const now = this.now();
    let record = this.records.get(address);
    if (record) this.records.delete(address); // re-inserted last: Map order is recency
    else record = { failures: [], blockedUntil: 0 };
    this.records.set(address, record);
    while (record.failures.length > 0 && record.failures[0]! <= now - this.window) record.failures.shift();
    record.failures.push(now);
    if (record.failures.length > this.maxFailures) record.failures.shift();
    let blocks = false;
    if (record.failures.length >= this.maxFailures) {
      record.blockedUntil = now + this.block;
      record.failures.length = 0;
      blocks = true;
    }
    while (this.records.size > this.maxAddresses) this.records.delete(this.records.keys().next().value!);
    return blocks;
  }

  /** A success from `address`: its failures are forgotten. */
  succeed(address: string | undefined): void {
    if (address !== undefined) this.records.delete(address);
  }
}
