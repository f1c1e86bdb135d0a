/**
 * Peer-chosen names (connect's app and tcUrl, publish/play stream names) before they go anywhere:
 * a length limit, no control characters, and a bounded form for the statuses that quote them.
 *
 * Limits are in UTF-8 bytes of the name as sent (its `?query` included): a peer cannot make the
 * server hold, log or echo megabytes of name. Control characters (C0, DEL, C1) are refused: no
 * client puts them in a name, and they break logs, file names and terminals.
 */

/** Default longest app or stream name, in UTF-8 bytes. */
export const DEFAULT_MAX_NAME_LENGTH = 1024;

/** Longest part of a name a status quotes back (description and `details`), in characters. */
export const MAX_ECHOED_NAME_LENGTH = 256;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why `name` is not acceptable as an app or stream name, or undefined when it is. */
export function nameProblem(name: string, maxBytes = DEFAULT_MAX_NAME_LENGTH): string | undefined {
  // name.length <= bytes <= 3 * name.length: the byte count is only computed when it can matter.
  if (name.length > maxBytes || (name.length * 3 > maxBytes && Buffer.byteLength(name, 'utf8') > maxBytes)) {
    return `the name is longer than ${maxBytes} bytes`;
  }
  if (CONTROL.test(name)) return 'the name holds control characters';
  return undefined;
}

/** `name` as a status may quote it: at most MAX_ECHOED_NAME_LENGTH characters, marked when cut. */
export function echoedName(name: string): string {
  return name.length > MAX_ECHOED_NAME_LENGTH ? `${name.slice(0, MAX_ECHOED_NAME_LENGTH)}...` : name;
}
