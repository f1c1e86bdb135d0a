/**
 * The server-wide memory budget (issue 11): on top of each connection's own limits
 * (`maxPartialBytes`, `maxPlayerBacklog`), the bytes held in partial inbound messages and in
 * player backlogs across all connections have one cap, so a thousand connections cannot each take
 * their per-connection share. Over the cap, the connection holding the most is closed first with
 * ERR_MEMORY_BUDGET (counted in `stats().closedConnections`), then the next, until the total is
 * back under; the others keep working.
 *
 * Partial messages are charged exactly, as they grow (`MessageCollector`'s `memoryAccount`); a
 * charge that takes the total over the cap runs the check once the current read's work is done
 * (a microtask), so the budget is exceeded by at most one read's growth. Player backlogs
 * (`outboundBacklog`: the socket's queue and the outbound pipeline) are summed by that check and
 * by a periodic one (every 250 ms while connections exist); charges compare against the partial
 * total plus the backlogs that check last saw.
 *
 * Players of one live stream queue the same frames: one wire form per frame, shared by every
 * player (lib/chunk/shared-frame.ts), not a copy each. So connections that only play one live
 * stream (`sharedBacklogGroup`) count as one: the largest of their holdings, which covers the
 * frames any of them still holds. Summing them instead would charge a thousand players of a stream
 * a thousand times for the same megabytes, and close players that hold next to nothing of their
 * own (a burst of joiners each handed the same cached GOP did).
 */
import { ErrorCode, SessionError } from '../errors.js';
import type { MemoryAccount } from '../chunk/index.js';

/** Default cap, sized for a process of about 1 GB: 256 MiB of partial messages and backlogs. */
export const DEFAULT_MEMORY_BUDGET = 256 * 1024 * 1024;
/** Default ms between checks of the player backlogs. */
export const DEFAULT_MEMORY_CHECK_INTERVAL = 250;

/** What the budget needs of a connection. */
export interface BudgetedConnection {
  readonly id: string;
  /** Bytes written but not yet handed to the kernel. */
  readonly outboundBacklog: number;
  readonly closed: boolean;
  /**
   * The live stream this connection only plays (any value naming it; undefined: anything else).
   * Its backlog is then frames shared with that stream's other players, counted once per stream.
   */
  readonly sharedBacklogGroup?: unknown;
  destroy(err?: Error): void;
}

export interface MemoryBudgetStats {
  /** The cap in bytes (0: no cap). */
  limit: number;
  /** Bytes in partial inbound messages, all connections. */
  partialBytes: number;
  /** Bytes in outbound backlogs, all connections (summed now). */
  backlogBytes: number;
  /** Connections closed with ERR_MEMORY_BUDGET since the server started. */
  closedConnections: number;
  /** Checks that found the budget exceeded. */
  overruns: number;
}

/** One connection's account: what its partial messages hold. */
export class ConnectionMemoryAccount implements MemoryAccount {
  partialBytes = 0;
  connection: BudgetedConnection | undefined;
  released = false;

  constructor(private readonly budget: MemoryBudget) {}

  charge(bytes: number): void {
    if (this.released) return;
    this.partialBytes += bytes;
    this.budget.charged(bytes);
  }

  /** What this connection holds now: partial messages plus its outbound backlog. */
  get held(): number {
    const c = this.connection;
    return this.partialBytes + (c !== undefined && !c.closed ? c.outboundBacklog : 0);
  }
}

/** What one account holds. */
interface Holding {
  account: ConnectionMemoryAccount;
  held: number;
}

export class MemoryBudget {
  readonly limit: number;
  private readonly interval: number;
  private readonly accounts = new Set<ConnectionMemoryAccount>();
  private partialTotal = 0;
  /** Backlog bytes the last check (or `stats()`) summed: charges compare against partial + this. */
  private lastBacklog = 0;
  private closedConnections = 0;
  private overruns = 0;
  private checkQueued = false;
  private timer: NodeJS.Timeout | undefined;

  /** `limit` 0 turns the cap off (accounts still count). */
  constructor(limit: number = DEFAULT_MEMORY_BUDGET, interval: number = DEFAULT_MEMORY_CHECK_INTERVAL) {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new SessionError(ErrorCode.INVALID_OPTION, `limits.memoryBudget must be an integer >= 0, got ${String(limit)}`);
    }
    this.limit = limit;
    this.interval = interval;
  }

  /** A new account, to hand to a connection's collector before the connection exists. */
  open(): ConnectionMemoryAccount {
    return new ConnectionMemoryAccount(this);
  }

  /** The connection runs: its backlog counts from now on. */
  attach(account: ConnectionMemoryAccount, connection: BudgetedConnection): void {
    if (account.released) return;
    account.connection = connection;
    this.accounts.add(account);
    if (this.timer === undefined && this.limit > 0) {
      this.timer = setInterval(() => this.check(), this.interval);
      this.timer.unref();
    }
  }

  /** The connection closed: what it held is no longer counted. */
  release(account: ConnectionMemoryAccount): void {
    if (account.released) return;
    account.released = true;
    this.partialTotal -= account.partialBytes;
    account.partialBytes = 0;
    this.accounts.delete(account);
    account.connection = undefined;
    if (this.accounts.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Called by accounts as partial messages grow and shrink. */
  charged(bytes: number): void {
    this.partialTotal += bytes;
    if (bytes > 0 && this.limit > 0 && this.partialTotal + this.lastBacklog > this.limit && !this.checkQueued) {
      this.checkQueued = true;
      queueMicrotask(() => {
        this.checkQueued = false;
        this.check();
      });
    }
  }

  stats(): MemoryBudgetStats {
    const { total } = this.holdings();
    this.lastBacklog = total - this.partialTotal;
    return { limit: this.limit, partialBytes: this.partialTotal, backlogBytes: this.lastBacklog, closedConnections: this.closedConnections, overruns: this.overruns };
  }

  /**
   * Closes connections until the total is within the budget, each time the one whose closing frees
   * the most: a connection on its own frees what it holds; in a group, only the largest frees
   * anything, what it holds beyond the next one.
   */
  check(): void {
    if (this.limit === 0) return;
    const { total: found, alone, groups } = this.holdings();
    let total = found;
    this.lastBacklog = total - this.partialTotal;
    if (total <= this.limit) return;
    this.overruns++;
    alone.sort(largestFirst);
    for (const group of groups) group.sort(largestFirst);
    let next = 0;
    while (total > this.limit) {
      // The most freed; among equals the larger holding (a group whose largest ties with the next
      // frees nothing yet, but closing its members one by one does, and the loop must end).
      let pick: Holding | undefined;
      let frees = -1;
      let from: Holding[] | undefined;
      const consider = (holding: Holding | undefined, gain: number, group: Holding[] | undefined): void => {
        if (holding === undefined || gain < frees || (gain === frees && holding.held <= pick!.held)) return;
        pick = holding;
        frees = gain;
        from = group;
      };
      consider(alone[next], alone[next]?.held ?? 0, undefined);
      for (const group of groups) consider(group[0], (group[0]?.held ?? 0) - (group[1]?.held ?? 0), group);
      if (pick === undefined || pick.held === 0) break;
      if (from !== undefined) from.shift();
      else next++;
      total -= frees;
      this.close(pick);
    }
  }

  private close({ account, held }: Holding): void {
    const connection = account.connection;
    if (connection === undefined) return;
    const partial = account.partialBytes;
    this.release(account);
    this.closedConnections++;
    connection.destroy(
      new SessionError(
        ErrorCode.MEMORY_BUDGET,
        `connection ${connection.id} held the most memory (${held} bytes: ${partial} in partial messages, ${held - partial} ` +
          `queued outbound) when the server's total went over limits.memoryBudget=${this.limit}`,
      ),
    );
  }

  /**
   * Every account's holding and the total: connections alone, and groups of connections with one
   * `sharedBacklogGroup`, which count as the largest among them (in no order: only an overrun sorts).
   */
  private holdings(): { total: number; alone: Holding[]; groups: Holding[][] } {
    const alone: Holding[] = [];
    let byKey: Map<unknown, Holding[]> | undefined;
    let total = 0;
    for (const account of this.accounts) {
      const held = account.held;
      const key = account.connection?.sharedBacklogGroup;
      if (key === undefined) {
        total += held;
        alone.push({ account, held });
        continue;
      }
      byKey ??= new Map();
      let group = byKey.get(key);
      if (group === undefined) byKey.set(key, (group = []));
      group.push({ account, held });
    }
    const groups = byKey === undefined ? [] : [...byKey.values()];
    for (const group of groups) {
      let largest = 0;
      for (const { held } of group) if (held > largest) largest = held;
      total += largest;
    }
    return { total, alone, groups };
  }

  /** Stops the periodic check (server closed). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function largestFirst(a: Holding, b: Holding): number {
  return b.held - a.held;
}
