/**
 * Adobe authentication (`authmod=adobe`), the scheme FMLE, ffmpeg, OBS and Wowza clients run for
 * `rtmp://user:pass@host/app`. The client proves it knows the password without sending it:
 *
 *   response = base64(md5(base64(md5(user + salt + password)) + (opaque or challenge) + clientChallenge))
 *
 * where salt, challenge and opaque come from the server's step-2 refusal and clientChallenge is
 * the client's own random value sent next to the response. It lives here, below both roles: the
 * server checks it (authenticator.ts) and the client computes it (lib/client/adobe-auth.ts).
 */
import { createHash } from 'node:crypto';

const md5base64 = (text: string): string => createHash('md5').update(text, 'utf8').digest('base64');

/** The response value of step 3. */
export function adobeResponse(user: string, password: string, salt: string, challenge: string, clientChallenge: string): string {
  return md5base64(md5base64(user + salt + password) + challenge + clientChallenge);
}
