/**
 * The client end of the unixctl protocol (what `ovs-appctl` does), and
 * OVS's rules for finding a daemon's control socket.
 *
 * A target is either an absolute socket path, used as is, or a program
 * name: `<rundir>/<program>.pid` holds the daemon's pid, and its socket is
 * `<rundir>/<program>.<pid>.ctl`. OVS also requires the pidfile to be
 * fcntl-locked by that pid; Node cannot query locks, so a pid whose process
 * is gone stands for an unlocked (stale) pidfile, and gets the same "No such
 * process". As a Weft extension, a target made of digits with no such
 * pidfile names a pid directly, matched against `<rundir>/*.<pid>.ctl`.
 *
 * transact() sends one command and resolves with the daemon's text, as
 * `{result}` or `{error}`; transport failures reject with an Error whose
 * `code` is the errno name (`ENOENT`, `ECONNREFUSED`, `EOF` for a peer that
 * closed without answering, `EINVAL` for a malformed reply).
 */
import * as net from 'node:net';
import * as fs from 'node:fs';
import { Connection, RpcError } from '../jsonrpc/connection.js';
import type { JsonValue } from '../jsonrpc/message.js';
import { rundir as defaultRundir } from '../base/dirs.js';
import { strerror } from '../base/vlog.js';

export type TransactResult = { result: string } | { error: string };

export class UnixctlClientError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export class UnixctlClient {
  private constructor(private readonly conn: Connection, readonly path: string) {}

  /** Connects to the socket at `path`; rejects with the system error (e.g. code ENOENT). */
  static connect(path: string): Promise<UnixctlClient> {
    return new Promise((resolve, reject) => {
      const sock = net.createConnection({ path });
      sock.once('error', reject);
      sock.once('connect', () => {
        sock.off('error', reject);
        resolve(new UnixctlClient(new Connection(sock), path));
      });
    });
  }

  async transact(command: string, args: readonly string[]): Promise<TransactResult> {
    let result: JsonValue;
    try {
      result = await this.conn.request(command, [...args]);
    } catch (e) {
      if (e instanceof RpcError) {
        if (typeof e.error === 'string') return { error: e.error };
        throw new UnixctlClientError('EINVAL', `unexpected error type in JSON RPC reply: ${JSON.stringify(e.error)}`);
      }
      throw new UnixctlClientError('EOF', strerror({ code: 'EOF' }));
    }
    if (typeof result !== 'string') {
      throw new UnixctlClientError('EINVAL', `unexpected result type in JSON rpc reply: ${JSON.stringify(result)}`);
    }
    return { result };
  }

  close(): void {
    this.conn.close();
  }
}

/** Where a target's socket is, or why it cannot be found (OVS's wording, with the errno text). */
export type ResolvedTarget =
  | { ok: true; socket: string }
  | { ok: false; pidfile: string; reason: string };

export function resolveTarget(target: string, rundir = defaultRundir()): ResolvedTarget {
  if (target.startsWith('/')) return { ok: true, socket: target };
  const pidfile = `${rundir}/${target}.pid`;
  const pid = readPidfile(pidfile);
  if (typeof pid === 'number') return { ok: true, socket: `${rundir}/${target}.${pid}.ctl` };
  if (pid.code === 'ENOENT' && /^[1-9]\d*$/.test(target)) {
    const byPid = findSocketByPid(rundir, target);
    if (byPid) return { ok: true, socket: byPid };
  }
  return { ok: false, pidfile, reason: strerror(pid) };
}

/**
 * Reads a pidfile: the pid of a live process, or the error OVS would report
 * (ENOENT when missing, ESRCH when garbled or its process is gone).
 */
export function readPidfile(file: string): number | { code: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { code: (e as NodeJS.ErrnoException).code ?? 'EIO' };
  }
  const pid = Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0 || !processExists(pid)) return { code: 'ESRCH' };
  return pid;
}

export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function findSocketByPid(rundir: string, pid: string): string | null {
  let names: string[];
  try { names = fs.readdirSync(rundir); } catch { return null; }
  const hits = names.filter((n) => n.endsWith(`.${pid}.ctl`));
  return hits.length === 1 ? `${rundir}/${hits[0]}` : null;
}
