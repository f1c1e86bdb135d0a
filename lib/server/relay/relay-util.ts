/** Small helpers the relays share. */

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The URL with its password hidden (for logs, events and stats). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

/** Whether a rule's `apps` and `match` accept `app/name`. */
export function ruleMatches(rule: { apps?: readonly string[]; match?: RegExp | ((app: string, name: string) => boolean) }, app: string, name: string): boolean {
  if (rule.apps && !rule.apps.includes(app)) return false;
  const match = rule.match;
  if (match === undefined) return true;
  if (typeof match === 'function') return match(app, name);
  match.lastIndex = 0;
  return match.test(`${app}/${name}`);
}
