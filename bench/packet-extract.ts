/**
 * Micro-benchmark: flow-key extraction rate (src/packet/flow.ts) on a mix
 * of frames (TCP/IPv4, VLAN-tagged TCP/IPv4, UDP/IPv6, ARP), reusing one
 * key (the batch path) and allocating a key per frame. Bounded to about
 * two seconds per mode. Run: npx tsc -p . && node dist/bench/packet-extract.js
 *
 * Measured 2026-11-22 on the shared 2-core dev machine under load average
 * ~11 (other builds running), Node 20: reused key ~2.2 M frames/s
 * (~450 ns/frame averaged over the mix), fresh key ~1.6-1.7 M frames/s.
 * Per type, reused key: TCP/IPv4 and ARP ~130-250 ns, UDP/IPv6 ~470-600 ns
 * (two 16-byte address copies dominate). Expect several times better on
 * an idle core; compare ratios, not absolutes.
 */
import { extractFlow, extractFlowInto, newFlowKey } from '../src/packet/flow.js';
import { buildArpRequest, buildTcpIpv4, buildUdpIpv6 } from '../src/packet/build.js';
import { parseIpv6, type Ipv4, type Mac } from '../src/packet/types.js';

const l2 = { srcMac: 0x505400000001 as Mac, dstMac: 0x505400000002 as Mac };
const frames = [
  buildTcpIpv4({ ...l2, src: 0x0a000001 as Ipv4, dst: 0x0a000002 as Ipv4, srcPort: 40000, dstPort: 80, payload: new Uint8Array(1400) }),
  buildTcpIpv4({ ...l2, vlan: { vid: 10, pcp: 1 }, src: 0x0a000003 as Ipv4, dst: 0x0a000004 as Ipv4, srcPort: 40001, dstPort: 443 }),
  buildUdpIpv6({ ...l2, src: parseIpv6('2001:db8::1')!, dst: parseIpv6('2001:db8::2')!, srcPort: 53, dstPort: 5353, payload: new Uint8Array(100) }),
  buildArpRequest({ srcMac: l2.srcMac, srcIp: 0x0a000001 as Ipv4, dstIp: 0x0a000002 as Ipv4 }),
].map((f) => Buffer.from(f));

function run(name: string, fn: (f: Buffer) => void): number {
  for (let i = 0; i < 200_000; i++) fn(frames[i & 3]!);   // warm up
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + 2_000_000_000n;
  for (;;) {
    for (let i = 0; i < 100_000; i++) fn(frames[i & 3]!);
    n += 100_000;
    if (process.hrtime.bigint() > deadline) break;
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = n / secs;
  console.log(`${name}: ${(rate / 1e6).toFixed(2)} M frames/s (${(1e9 / rate).toFixed(0)} ns/frame)`);
  return rate;
}

const key = newFlowKey();
let sink = 0;
run('extractFlowInto (reused key)', (f) => { extractFlowInto(key, f, 1); sink += key.tp_dst; });
run('extractFlow (fresh key)', (f) => { sink += extractFlow(f, 1).key.tp_dst; });
if (sink === -1) console.log(sink);
