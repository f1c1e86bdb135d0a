/**
 * The `description` strings of a refused connect during authentication, in the form Flash Media
 * Server and Wowza send and ffmpeg, librtmp (OBS) and FMLE parse:
 *
 *   [ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] :
 *   [ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=NAME&salt=S&challenge=C&opaque=O
 *   [ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=authfailed&opaque=O
 *
 * Two details matter to real clients: ffmpeg reads the authmod up to the next space (so it must
 * be followed by a space or end the text), and it reads the `?reason=needauth` parameters up to
 * the end of the text (so they must come last); it also reads at most 255 bytes of description.
 */

export type AuthMethod = 'adobe' | 'llnw';
export const AUTH_METHODS: readonly AuthMethod[] = ['adobe', 'llnw'];

const PREFIX = '[ AccessManager.Reject ] : ';

/** Step 1: the client sent no credentials; tells it which method to use. */
export function needAuthDescription(method: AuthMethod): string {
  return `${PREFIX}[ code=403 need auth; authmod=${method} ] : `;
}

/** Step 2: the challenge. `params` are `key=value` pairs after `reason=needauth` (user first). */
export function challengeDescription(method: AuthMethod, params: ReadonlyArray<readonly [string, string]>): string {
  return `${PREFIX}[ authmod=${method} ] : ?reason=needauth${params.map(([k, v]) => `&${k}=${v}`).join('')}`;
}

/** Step 3 failed: wrong user, wrong password, stale or replayed challenge (never says which). */
export function authFailedDescription(method: AuthMethod): string {
  return `${PREFIX}[ authmod=${method} ] : ?reason=authfailed`;
}
