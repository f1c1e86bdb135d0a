/**
 * Limelight authentication (`authmod=llnw`): an HTTP Digest (RFC 2617, qop "auth") variant with a
 * fixed realm "live" and method "publish". The "URI" is `/` + the app, with `/_definst_` appended
 * when the app has no instance part (ffmpeg computes it this way):
 *
 *   HA1 = md5hex(user ":" "live" ":" password)
 *   HA2 = md5hex("publish" ":" "/" app ["/_definst_"])
 *   response = md5hex(HA1 ":" nonce ":" nc ":" cnonce ":" "auth" ":" HA2)
 *
 * Step 2 refusal: `?reason=needauth&user=NAME&nonce=N`; step 3 connect:
 * `?authmod=llnw&user=NAME&nonce=N&cnonce=CN&nc=00000001&response=R`.
 */
import { createHash, randomBytes } from 'node:crypto';

export const LLNW_REALM = 'live';
export const LLNW_METHOD = 'publish';
export const LLNW_QOP = 'auth';
export const LLNW_NC = '00000001';

const md5hex = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

export interface LlnwResponseInput {
  user: string;
  password: string;
  nonce: string;
  cnonce: string;
  nc: string;
  /** The connect `app` without its query (`live`, `live/inst`). */
  app: string;
}

/** The digest URI for an app: `/app/_definst_` unless the app names its instance. */
export function llnwUri(app: string): string {
  return `/${app}${app.includes('/') ? '' : '/_definst_'}`;
}

export function llnwResponse(input: LlnwResponseInput): string {
  const ha1 = md5hex(`${input.user}:${LLNW_REALM}:${input.password}`);
  const ha2 = md5hex(`${LLNW_METHOD}:${llnwUri(input.app)}`);
  return md5hex(`${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${LLNW_QOP}:${ha2}`);
}

/**
 * The client's step-3 parameters for a step-2 `description` (`?reason=needauth&user=..&nonce=..`),
 * or undefined when it holds no nonce. `app` is the connect app without any query.
 */
export function llnwClientParams(
  description: string,
  credentials: { username: string; password: string },
  app: string,
  cnonce: string = randomBytes(4).toString('hex'),
): string | undefined {
  const at = description.indexOf('?reason=needauth');
  if (at < 0) return undefined;
  const fields = new Map<string, string>();
  for (const pair of description.slice(at + 1).split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const nonce = fields.get('nonce');
  if (nonce === undefined) return undefined;
  const user = fields.get('user') ?? credentials.username;
  const response = llnwResponse({ user, password: credentials.password, nonce, cnonce, nc: LLNW_NC, app });
  return `authmod=llnw&user=${encodeURIComponent(credentials.username)}&nonce=${nonce}&cnonce=${cnonce}&nc=${LLNW_NC}&response=${response}`;
}
