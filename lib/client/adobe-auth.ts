/**
 * Adobe authentication as FMLE, ffmpeg and OBS do it for `rtmp://user:pass@host/app` (three
 * connects): a bare connect is refused with `code=403 need auth; authmod=adobe`; the client
 * reconnects with `?authmod=adobe&user=NAME` on app and tcUrl and is refused again with
 * `?reason=needauth&user=NAME&salt=S&challenge=C&opaque=O`; the third connect carries
 * `?authmod=adobe&user=NAME&challenge=CC&response=R[&opaque=O]` where CC is our own random
 * challenge and R = base64(md5(base64(md5(NAME + S + password)) + (O or C) + CC)).
 */
import { randomBytes } from 'node:crypto';
import { adobeResponse, llnwClientParams } from '../auth/index.js';

export { adobeResponse };

export type AuthStep =
  /** Retry the connect with these parameters appended to app and tcUrl. */
  | { kind: 'retry'; params: string }
  /** Give up: the description says why. */
  | { kind: 'fail'; reason: string };

/**
 * What to do after a connect refused with `description`. `tried` says whether we already sent a
 * response (a second refusal then is final). Returns undefined when the refusal is not about auth.
 */
export function nextAuthStep(
  description: string,
  credentials: { username?: string; password?: string },
  tried: boolean,
  clientChallenge: () => string = () => randomBytes(4).toString('hex'),
  /** The connect app without its query: llnw (Limelight) digests it. Without it, only adobe is answered. */
  app?: string,
): AuthStep | undefined {
  if (!description.includes('authmod=')) return undefined;
  const llnw = app !== undefined && /authmod=llnw(\s|$)/.test(description);
  if (!description.includes('authmod=adobe') && !llnw) return { kind: 'fail', reason: 'the server asks for an authentication method other than adobe' };
  if (!credentials.username || credentials.password === undefined) return { kind: 'fail', reason: 'the server asks for credentials and none are configured' };
  if (description.includes('?reason=authfailed')) return { kind: 'fail', reason: 'wrong username or password' };
  if (description.includes('?reason=nosuchuser')) return { kind: 'fail', reason: 'unknown username' };
  if (tried) return { kind: 'fail', reason: 'authentication failed' };
  const user = encodeURIComponent(credentials.username);
  if (description.includes('code=403 need auth')) return { kind: 'retry', params: `authmod=${llnw ? 'llnw' : 'adobe'}&user=${user}` };
  const at = description.indexOf('?reason=needauth');
  if (at < 0) return { kind: 'fail', reason: 'no authentication parameters in the refusal' };
  if (llnw) {
    const params = llnwClientParams(description, { username: credentials.username, password: credentials.password }, app, clientChallenge());
    return params ? { kind: 'retry', params } : { kind: 'fail', reason: 'no nonce in the llnw refusal' };
  }
  const fields = new Map<string, string>();
  for (const pair of description.slice(at + 1).split(/[&\s]/)) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const salt = fields.get('salt') ?? '';
  const challenge = fields.get('challenge');
  const opaque = fields.get('opaque');
  const ours = clientChallenge();
  const response = adobeResponse(credentials.username, credentials.password, salt, opaque ?? challenge ?? '', ours);
  let params = `authmod=adobe&user=${user}&challenge=${ours}&response=${response}`;
  if (opaque !== undefined) params += `&opaque=${opaque}`;
  return { kind: 'retry', params };
}

/** Append auth parameters to an app or tcUrl that may already hold a query. */
export function withQuery(base: string, params: string): string {
  return base + (base.includes('?') ? '&' : '?') + params;
}
