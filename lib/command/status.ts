/**
 * The information objects a server sends: `onStatus` on a NetStream, `_result`/`_error` on the
 * NetConnection. Codes are the ones Flash Media Server documents (ActionScript 3.0 reference,
 * `NetStatusEvent.info.code`) and real players act on: librtmp stops on Play.Stop /
 * Play.UnpublishNotify / Play.Complete, ffmpeg aborts on any `level: "error"`.
 */

export type StatusLevel = 'status' | 'warning' | 'error';

export interface StatusInfo {
  level: StatusLevel;
  code: string;
  description: string;
  [key: string]: unknown;
}

export const StatusCode = {
  ConnectSuccess: 'NetConnection.Connect.Success',
  ConnectRejected: 'NetConnection.Connect.Rejected',
  ConnectFailed: 'NetConnection.Connect.Failed',
  CallFailed: 'NetConnection.Call.Failed',
  PublishStart: 'NetStream.Publish.Start',
  PublishBadName: 'NetStream.Publish.BadName',
  PublishDenied: 'NetStream.Publish.Denied',
  UnpublishSuccess: 'NetStream.Unpublish.Success',
  PlayReset: 'NetStream.Play.Reset',
  PlayStart: 'NetStream.Play.Start',
  PlayStop: 'NetStream.Play.Stop',
  PlayFailed: 'NetStream.Play.Failed',
  PlayStreamNotFound: 'NetStream.Play.StreamNotFound',
  PlayPublishNotify: 'NetStream.Play.PublishNotify',
  PlayUnpublishNotify: 'NetStream.Play.UnpublishNotify',
  PauseNotify: 'NetStream.Pause.Notify',
  UnpauseNotify: 'NetStream.Unpause.Notify',
  SeekNotify: 'NetStream.Seek.Notify',
} as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

/** Version and capabilities answered in the connect `_result` (the values FMS 3 sends). */
export const FMS_VERSION = 'FMS/3,0,1,123';
export const FMS_CAPABILITIES = 31;

export function statusInfo(level: StatusLevel, code: string, description: string, extra: Record<string, unknown> = {}): StatusInfo {
  return { level, code, description, ...extra };
}

/**
 * The status code a refusing hook chose: an error with a string `statusCode` property (e.g.
 * `Object.assign(new Error('no'), { statusCode: 'NetStream.Publish.BadName' })`), else `fallback`.
 */
export function refusalCode(err: unknown, fallback: string): string {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'string' && code.length > 0 ? code : fallback;
}

/** What a refusal says: the hook's error message, else a generic text. */
export function refusalDescription(err: unknown, fallback: string): string {
  if (err instanceof Error && err.message) return err.message;
  if (typeof err === 'string' && err) return err;
  return fallback;
}
