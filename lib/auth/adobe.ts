/**
 * Adobe authentication (`authmod=adobe`), the scheme FMLE, ffmpeg, OBS and Wowza clients run for
 * `rtmp://user:pass@host/app`. The client proves it knows the password without sending it:
 *
 *   response = base64(md5(base64(md5(user + salt + password)) + (opaque or challenge) + clientChallenge))
 *
 * where salt, challenge and opaque come from the server's step-2 refusal and clientChallenge is
 * the client's own random value sent next to the response. The function is the client's
 * (lib/client/adobe-auth.ts): one implementation for both sides, one export name in the package.
 */
export { adobeResponse } from '../client/adobe-auth.js';
