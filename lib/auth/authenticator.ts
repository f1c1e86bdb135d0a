/**
 * Server-side connect authentication: the three-connect Adobe challenge (and llnw), decided from
 * the query a client appends to connect's `app` and `tcUrl`.
 *
 *   connect (no authmod/user)        → refuse: needAuthDescription(methods[0])
 *   connect ?authmod=M&user=U        → refuse: challenge (a fresh, single-use, expiring entry)
 *   connect ?authmod=M&user=U&...&response=R
 *                                    → accept when R is right for U's password, else authfailed
 *
 * A client may start at the second step (it already knows the method). Challenges are kept in a
 * bounded map (oldest evicted first) and used once: a replayed or stale response fails. Unknown
 * users get a challenge like anyone else and fail at the end, so refusals never reveal which
 * user names exist. The password lookup runs only for a response, never for a bare connect.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCode, SessionError } from '../errors.js';
import { adobeResponse } from './adobe.js';
import { AUTH_METHODS, authFailedDescription, challengeDescription, needAuthDescription, type AuthMethod } from './descriptions.js';
import { llnwResponse } from './llnw.js';
import { FailureThrottle } from './failure-throttle.js';

export interface Credentials {
  username: string;
  password: string;
}

/** What the lookup may want to know about the client. */
export interface AuthContext {
  /** connect's app without its query. */
  app: string;
  remoteAddress?: string;
}

/** The password of `username`, or undefined/null when there is no such user. May be async. */
export type PasswordLookup = (
  username: string,
  context: AuthContext,
) => string | undefined | null | Promise<string | undefined | null>;

export interface AuthOptions {
  /** A single user (with `password`). */
  username?: string;
  password?: string;
  /** More users. */
  users?: Credentials[];
  /** Any user store: returns the password of a user name. Consulted after `username`/`users`. */
  lookup?: PasswordLookup;
  /** Methods accepted; the first is the one a client without credentials is told to use. Default ['adobe']. */
  methods?: AuthMethod[];
  /** ms a challenge stays valid. Default 60,000. */
  challengeTimeout?: number;
  /** Challenges outstanding at once (oldest dropped first). Default 1000. */
  maxPendingChallenges?: number;
  /** Challenges outstanding per client address (its oldest dropped first), so one address cannot evict everyone's. Default 16. */
  maxChallengesPerAddress?: number;
  /** Wrong answers from one address within `failureWindow` that get it refused for `blockDuration`. 0 = never. Default 5. */
  maxFailures?: number;
  /** ms over which failures are counted. Default 60,000. */
  failureWindow?: number;
  /** ms a blocked address is refused (with the ordinary authfailed answer). Default 60,000. */
  blockDuration?: number;
  /** Client addresses the failure counter tracks at once (least recent forgotten first). Default 10,000. */
  maxTrackedAddresses?: number;
}

/** The server's `auth` option: credentials, a list of them, a lookup function, or full options. */
export type ServerAuthOption = AuthOptions | Credentials[] | PasswordLookup;

export type AuthVerdict =
  | { ok: true; username: string; method: AuthMethod }
  | {
      ok: false;
      /** The `_error` description for the client. */
      description: string;
      /** Why, for logs: step 1, step 2, the response was wrong/stale/for an unknown user, or the address is blocked. */
      reason: 'needauth' | 'challenge' | 'authfailed' | 'blocked';
    };

export const DEFAULT_CHALLENGE_TIMEOUT = 60_000;
export const DEFAULT_MAX_PENDING_CHALLENGES = 1000;
export const DEFAULT_MAX_CHALLENGES_PER_ADDRESS = 16;
/** Longest user name taken from a query: longer ones fail (and keep the description under 255 bytes). */
const MAX_USER_LENGTH = 64;

interface PendingChallenge {
  method: AuthMethod;
  user: string;
  /** adobe: salt and challenge; llnw: empty. */
  salt: string;
  challenge: string;
  expires: number;
  /** The client address that asked (undefined: unknown). */
  address: string | undefined;
}

/** Query pairs as sent: `+` and `%` are left alone (base64 responses hold `+`, `/`, `=`). */
export function rawQuery(text: string): Map<string, string> {
  const at = text.indexOf('?');
  const out = new Map<string, string>();
  if (at < 0) return out;
  for (const pair of text.slice(at + 1).split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0) out.set(pair.slice(0, eq), pair.slice(eq + 1));
    else if (pair) out.set(pair, '');
  }
  return out;
}

function percentDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

const token = (bytes: number): string => randomBytes(bytes).toString('hex');

function invalid(message: string): SessionError {
  return new SessionError(ErrorCode.INVALID_OPTION, `auth: ${message}`);
}

export class ConnectAuthenticator {
  readonly methods: readonly AuthMethod[];
  private readonly users = new Map<string, string>();
  private readonly lookupFn: PasswordLookup | undefined;
  private readonly timeout: number;
  private readonly maxPending: number;
  /** Keyed by the value the client echoes: adobe's opaque, llnw's nonce. */
  private readonly pending = new Map<string, PendingChallenge>();
  /** Outstanding challenges per client address. */
  private readonly pendingPerAddress = new Map<string, number>();
  private readonly maxPerAddress: number;
  private readonly throttle: FailureThrottle;
  private readonly now: () => number;

  constructor(option: ServerAuthOption, clock: () => number = Date.now) {
    const options: AuthOptions =
      typeof option === 'function' ? { lookup: option } : Array.isArray(option) ? { users: option } : option;
    if (options === null || typeof options !== 'object') throw invalid('expected credentials, a list of them or a lookup function');
    this.now = clock;
    if (options.username !== undefined || options.password !== undefined) {
      this.addUser({ username: options.username as string, password: options.password as string });
    }
    for (const user of options.users ?? []) this.addUser(user);
    this.lookupFn = options.lookup;
    if (this.users.size === 0 && !this.lookupFn) throw invalid('no users: give username/password, users or lookup');
    const methods = options.methods ?? ['adobe'];
    if (methods.length === 0 || methods.some((m) => !AUTH_METHODS.includes(m))) {
      throw invalid(`methods must be a non-empty list of ${AUTH_METHODS.join(', ')}`);
    }
    this.methods = [...methods];
    this.timeout = positive('challengeTimeout', options.challengeTimeout, DEFAULT_CHALLENGE_TIMEOUT);
    this.maxPending = positive('maxPendingChallenges', options.maxPendingChallenges, DEFAULT_MAX_PENDING_CHALLENGES);
    this.maxPerAddress = positive('maxChallengesPerAddress', options.maxChallengesPerAddress, DEFAULT_MAX_CHALLENGES_PER_ADDRESS);
    this.throttle = new FailureThrottle(
      {
        maxFailures: nonNegative('maxFailures', options.maxFailures),
        failureWindow: options.failureWindow === undefined ? undefined : positive('failureWindow', options.failureWindow, 1),
        blockDuration: options.blockDuration === undefined ? undefined : positive('blockDuration', options.blockDuration, 1),
        maxAddresses: options.maxTrackedAddresses === undefined ? undefined : positive('maxTrackedAddresses', options.maxTrackedAddresses, 1),
      },
      clock,
    );
  }

  /** Client addresses the failure counter tracks right now (failing recently or blocked). */
  get trackedAddresses(): number {
    return this.throttle.size;
  }

  /** Whether connects from `address` are refused right now after repeated failures. */
  isBlocked(address: string | undefined): boolean {
    return this.throttle.blocked(address);
  }

  /** Challenges outstanding right now. */
  get pendingChallenges(): number {
    return this.pending.size;
  }

  private addUser(user: Credentials): void {
    if (!user || typeof user.username !== 'string' || user.username === '' || typeof user.password !== 'string') {
      throw invalid('every user needs a non-empty username and a password string');
    }
    this.users.set(user.username, user.password);
  }

  /**
   * Decides a connect from its `app` field and `tcUrl` as sent (queries included; app's values
   * win, as for the hooks' `query`).
   */
  async check(appField: string, tcUrl: string | undefined, context: AuthContext): Promise<AuthVerdict> {
    const query = new Map([...rawQuery(tcUrl ?? ''), ...rawQuery(appField)]);
    const method = query.get('authmod') as AuthMethod | undefined;
    const rawUser = query.get('user');
    const advertised = this.methods[0]!;
    const address = context.remoteAddress;
    // A blocked address hears the ordinary failure, before anything else is looked at or stored.
    if (this.throttle.blocked(address)) {
      return { ok: false, reason: 'blocked', description: authFailedDescription(method && this.methods.includes(method) ? method : advertised) };
    }
    if (!method || !this.methods.includes(method) || rawUser === undefined || rawUser === '') {
      return { ok: false, reason: 'needauth', description: needAuthDescription(advertised) };
    }
    if (rawUser.length > MAX_USER_LENGTH || /[\s&?]/.test(rawUser)) return this.failed(method, address);
    const response = query.get('response');
    if (response === undefined) return this.challenge(method, rawUser, address);

    const key = method === 'adobe' ? query.get('opaque') : query.get('nonce');
    const entry = key === undefined ? undefined : this.pending.get(key);
    if (key !== undefined) this.dropPending(key); // single use, whatever the outcome
    if (!entry || entry.method !== method || entry.user !== rawUser || entry.expires < this.now()) return this.failed(method, address);

    const password = await this.passwordOf(percentDecode(rawUser), context);
    if (password === undefined) return this.failed(method, address);
    // The user name as the client hashed it: decoded (our client, librtmp) or as sent.
    const names = [...new Set([percentDecode(rawUser), rawUser])];
    const right = names.some((user) => {
      if (method === 'adobe') {
        // Clients hash the opaque value when the server sent one (we always do); a few hash the challenge.
        return [key!, entry.challenge].some((value) => {
          const expected = adobeResponse(user, password, entry.salt, value, query.get('challenge') ?? '');
          return sameText(response, expected) || sameText(percentDecode(response), expected);
        });
      }
      const expected = llnwResponse({
        user,
        password,
        nonce: key!,
        cnonce: query.get('cnonce') ?? '',
        nc: query.get('nc') ?? '',
        app: context.app,
      });
      return sameText(response.toLowerCase(), expected);
    });
    if (!right) return this.failed(method, address);
    this.throttle.succeed(address);
    return { ok: true, username: percentDecode(rawUser), method };
  }

  private async passwordOf(user: string, context: AuthContext): Promise<string | undefined> {
    const known = this.users.get(user);
    if (known !== undefined) return known;
    const found = await this.lookupFn?.(user, context);
    return typeof found === 'string' ? found : undefined;
  }

  private challenge(method: AuthMethod, user: string, address: string | undefined): AuthVerdict {
    const now = this.now();
    // Drop expired entries (oldest first) and make room: the map never outgrows maxPending.
    for (const [k, v] of this.pending) {
      if (v.expires >= now && this.pending.size < this.maxPending) break;
      this.dropPending(k);
    }
    // One address may not hold more than maxPerAddress: its own oldest goes, nobody else's.
    if (address !== undefined && (this.pendingPerAddress.get(address) ?? 0) >= this.maxPerAddress) {
      for (const [k, v] of this.pending) {
        if (v.address === address) {
          this.dropPending(k);
          break;
        }
      }
    }
    if (method === 'adobe') {
      const salt = token(6);
      const challenge = token(6);
      const opaque = token(8);
      this.addPending(opaque, { method, user, salt, challenge, expires: now + this.timeout, address });
      return {
        ok: false,
        reason: 'challenge',
        description: challengeDescription(method, [
          ['user', user],
          ['salt', salt],
          ['challenge', challenge],
          ['opaque', opaque],
        ]),
      };
    }
    const nonce = token(8);
    this.addPending(nonce, { method, user, salt: '', challenge: '', expires: now + this.timeout, address });
    return { ok: false, reason: 'challenge', description: challengeDescription(method, [['user', user], ['nonce', nonce]]) };
  }

  private addPending(key: string, entry: PendingChallenge): void {
    this.pending.set(key, entry);
    if (entry.address !== undefined) this.pendingPerAddress.set(entry.address, (this.pendingPerAddress.get(entry.address) ?? 0) + 1);
  }

  private dropPending(key: string): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.pending.delete(key);
    const address = entry.address;
    if (address === undefined) return;
    const left = (this.pendingPerAddress.get(address) ?? 1) - 1;
    if (left > 0) this.pendingPerAddress.set(address, left);
    else this.pendingPerAddress.delete(address);
  }

  private failed(method: AuthMethod, address: string | undefined): AuthVerdict {
    this.throttle.fail(address);
    return { ok: false, reason: 'authfailed', description: authFailedDescription(method) };
  }
}

function nonNegative(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid(`${name} must be a finite number >= 0, got ${String(value)}`);
  return value;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw invalid(`${name} must be a finite number > 0, got ${String(value)}`);
  return v;
}
