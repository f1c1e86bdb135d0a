/** Lenient readers of AMF command arguments: a missing or mistyped value reads as empty. */
export function stringArg(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function objectArg(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/** What a command carries besides its name and transaction id: encode returns it, decode reads it. */
export interface CommandBody {
  name: string;
  commandObject: unknown;
  args: unknown[];
}

/** The fields decode reads (a CommandEvent or a CommandBody). */
export type CommandFields = Pick<CommandBody, 'commandObject' | 'args'>;
