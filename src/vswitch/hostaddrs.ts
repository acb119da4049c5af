/**
 * The host's addresses on bridge ports, for userspace tunnelling on real
 * interfaces. When an operator puts the tunnel endpoint address on a
 * bridge's internal port (`ip addr add 10.0.0.1/24 dev br-phy`), the
 * kernel owns it; ovs-vswitchd learns such addresses and their connected
 * routes from the kernel ("Cached:" in `ovs/route/show`) so that it can
 * route encapsulated packets out of that bridge and decapsulate what
 * arrives for the address. This reads the same from the host's interface
 * list (this process's network namespace) for every internal port.
 */
import * as os from 'node:os';
import type { Switch } from './bridge.js';
import { LinuxNetdev } from '../netdev/linux.js';
import { parseIpv4 } from './tunnel.js';

/** Re-reads the addresses; returns whether the tunnel tables changed (caches must then be flushed). */
export function syncHostAddresses(sw: Switch): boolean {
  const ifs = os.networkInterfaces();
  const byBridge = new Map<string, { ip: number; len: number }[]>();
  for (const of of sw.bridges.values()) {
    for (const p of of.ports.values()) {
      if (!(p.netdev instanceof LinuxNetdev) || p.netdev.kind !== 'internal') continue;
      for (const a of ifs[p.name] ?? []) {
        if (a.family !== 'IPv4') continue;
        const ip = parseIpv4(a.address);
        const len = Number(a.cidr?.split('/')[1] ?? 32);
        if (ip === null) continue;
        const list = byBridge.get(of.name) ?? [];
        list.push({ ip, len });
        byBridge.set(of.name, list);
      }
    }
  }
  return sw.tunnels.setHostAddresses(byBridge);
}
