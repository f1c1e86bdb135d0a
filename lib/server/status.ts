/** Status codes and information objects moved to the command contract (lib/command/status.ts). */
export {
  StatusCode,
  FMS_VERSION,
  FMS_CAPABILITIES,
  statusInfo,
  refusalCode,
  refusalDescription,
  type StatusLevel,
  type StatusInfo,
} from '../command/index.js';
