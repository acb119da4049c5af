/**
 * Named locks (RFC 7047 §4.1.8–4.1.10). A lock has at most one owner and a
 * FIFO of waiters. `lock` takes it if free, else queues; `steal` takes it
 * whatever happens (the old owner is told "stolen" and forgets it);
 * `unlock` and session close release it to the next waiter, who the caller
 * notifies with "locked". Lock names are identifiers, as ovsdb-server requires.
 */
export class LockTable<S> {
  private readonly locks = new Map<string, { owner: S | null; waiters: S[] }>();

  owner(name: string): S | null {
    return this.locks.get(name)?.owner ?? null;
  }

  isWaiting(name: string, s: S): boolean {
    return this.locks.get(name)?.waiters.includes(s) ?? false;
  }

  /** Returns true if `s` now owns the lock, false if it waits for it. */
  request(name: string, s: S): boolean {
    let l = this.locks.get(name);
    if (!l) { l = { owner: null, waiters: [] }; this.locks.set(name, l); }
    if (l.owner === null) { l.owner = s; return true; }
    l.waiters.push(s);
    return false;
  }

  /**
   * Makes `s` the owner; returns the previous owner. As in ovsdb-server, the
   * previous owner keeps its place at the head of the queue, so it gets the
   * lock back ("locked") when the thief releases it.
   */
  steal(name: string, s: S): S | null {
    let l = this.locks.get(name);
    if (!l) { l = { owner: null, waiters: [] }; this.locks.set(name, l); }
    const prev = l.owner;
    l.waiters = l.waiters.filter((w) => w !== s);
    if (prev !== null && prev !== s) l.waiters.unshift(prev);
    l.owner = s;
    return prev;
  }

  /** Gives up ownership or a place in the queue; the next waiter (if any) becomes owner. */
  release(name: string, s: S): void {
    const l = this.locks.get(name);
    if (!l) return;
    l.waiters = l.waiters.filter((w) => w !== s);
    if (l.owner === s) l.owner = l.waiters.shift() ?? null;
    if (l.owner === null && l.waiters.length === 0) this.locks.delete(name);
  }

  /** Releases everything `s` holds or waits for; returns the names of locks that changed owner. */
  releaseAll(s: S): string[] {
    const changed: string[] = [];
    for (const [name, l] of [...this.locks]) {
      const owned = l.owner === s;
      this.release(name, s);
      if (owned && this.locks.get(name)?.owner) changed.push(name);
    }
    return changed;
  }
}

export function isLockName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}
