/**
 * Preflight: can this process move real packets? Each check names, in plain
 * words, what is missing and how to get it, so an operator sees "no
 * CAP_NET_ADMIN: run as root" instead of an EPERM from deep in a port's
 * Interface.error. `weft doctor` prints the checks; `weft vswitchd` logs the
 * failed ones at start-up (the dummy datapath needs none of them).
 */
import * as fs from 'node:fs';
import { tryNativeIo, nativeIo } from './native.js';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;

function effectiveCaps(): bigint | null {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? BigInt(`0x${m[1]}`) : null;
  } catch {
    return null;
  }
}

export function preflight(): Check[] {
  const out: Check[] = [];
  const io = tryNativeIo();
  if (!io) {
    let why = '';
    try { nativeIo(); } catch (e) { why = (e as Error).message; }
    out.push({ name: 'native I/O addon', ok: false, detail: why });
    return out;
  }
  out.push({ name: 'native I/O addon', ok: true, detail: 'loaded' });

  const caps = effectiveCaps();
  const has = (bit: number): boolean => caps !== null && (caps & (1n << BigInt(bit))) !== 0n;
  out.push(has(CAP_NET_ADMIN)
    ? { name: 'CAP_NET_ADMIN', ok: true, detail: 'present' }
    : { name: 'CAP_NET_ADMIN', ok: false, detail: 'missing: internal and tap ports cannot be created and MTUs not set; run as root or grant CAP_NET_ADMIN' });
  out.push(has(CAP_NET_RAW)
    ? { name: 'CAP_NET_RAW', ok: true, detail: 'present' }
    : { name: 'CAP_NET_RAW', ok: false, detail: 'missing: system ports (AF_PACKET) cannot be opened; run as root or grant CAP_NET_RAW' });

  if (!fs.existsSync('/dev/net/tun')) {
    out.push({ name: 'TAP', ok: false, detail: '/dev/net/tun does not exist: load the tun module (modprobe tun) or give the container the device' });
  } else {
    const probe = `weftpf${process.pid % 100000}`;
    try {
      const fd = io.openTap(probe);
      io.close(fd); // Not persistent: the device goes away with the descriptor.
      out.push({ name: 'TAP', ok: true, detail: '/dev/net/tun works' });
    } catch (e) {
      out.push({ name: 'TAP', ok: false, detail: `cannot create a TAP device: ${(e as Error).message}` });
    }
  }

  try {
    const fd = io.openPacket('lo');
    io.close(fd);
    out.push({ name: 'AF_PACKET', ok: true, detail: 'packet sockets work' });
  } catch (e) {
    out.push({ name: 'AF_PACKET', ok: false, detail: `cannot open a packet socket: ${(e as Error).message} (kernel without CONFIG_PACKET, or no CAP_NET_RAW)` });
  }

  try {
    const fd = io.openLinkMonitor();
    io.close(fd);
    out.push({ name: 'netlink link monitor', ok: true, detail: 'link changes are seen at once' });
  } catch (e) {
    out.push({ name: 'netlink link monitor', ok: false, detail: `${(e as Error).message}: link state is read only on reconfiguration` });
  }
  return out;
}

export function formatChecks(checks: readonly Check[]): string {
  return checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}\n`).join('');
}
