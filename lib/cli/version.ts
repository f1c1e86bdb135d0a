/** The package version for `--version`: read from package.json, two folders up from lib/cli and dist/cli. */
import { readFileSync } from 'node:fs';

export const PACKAGE_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function versionLine(command: string): string {
  return `${command} ${PACKAGE_VERSION} (rtmp-pipeline, node ${process.version})\n`;
}
