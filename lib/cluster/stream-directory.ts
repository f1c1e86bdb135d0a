/**
 * The primary's table of who publishes what: `app/name` → the worker that holds its publisher and
 * that worker's private port. A claim is how a worker asks to publish a name, so a name is
 * published once in the whole cluster, as in one process.
 */
import type { DirectoryEntry } from './messages.js';

export class StreamDirectory {
  private readonly entries = new Map<string, DirectoryEntry>();
  /** Workers whose players wait for a stream not published yet. */
  private readonly wants = new Map<string, Set<number>>();

  want(key: string, worker: number): void {
    let set = this.wants.get(key);
    if (!set) this.wants.set(key, (set = new Set()));
    set.add(worker);
  }

  unwant(key: string, worker: number): void {
    const set = this.wants.get(key);
    if (set?.delete(worker) && set.size === 0) this.wants.delete(key);
  }

  /** Workers other than `except` that wait for `key`. */
  wanting(key: string, except: number): number[] {
    return [...(this.wants.get(key) ?? [])].filter((w) => w !== except);
  }

  /** Claims `key` for `worker`; false when another worker publishes it. */
  claim(app: string, name: string, worker: number, port: number): boolean {
    const key = `${app}/${name}`;
    const held = this.entries.get(key);
    if (held && held.worker !== worker) return false;
    this.entries.set(key, { key, app, name, worker, port });
    return true;
  }

  /** Releases `key` if `worker` holds it; true when something changed. */
  release(key: string, worker: number): boolean {
    const held = this.entries.get(key);
    if (!held || held.worker !== worker) return false;
    this.entries.delete(key);
    return true;
  }

  /** Drops everything a worker held (it exited); true when something changed. */
  dropWorker(worker: number): boolean {
    for (const key of [...this.wants.keys()]) this.unwant(key, worker);
    let changed = false;
    for (const [key, entry] of this.entries) {
      if (entry.worker === worker) {
        this.entries.delete(key);
        changed = true;
      }
    }
    return changed;
  }

  holder(key: string): DirectoryEntry | undefined {
    return this.entries.get(key);
  }

  list(): DirectoryEntry[] {
    return [...this.entries.values()];
  }
}
