/**
 * `npm run bench:pipeline`: frames per second through Weft's switching
 * pipeline (flow extraction, megaflow cache, NORMAL translation, action
 * execution) on in-memory ports, without the kernel. Reports separately:
 *
 *   hits    every frame matches a cached megaflow (steady state);
 *   misses  every frame needs a translation (cache disabled), the upcall cost;
 *   learn   every frame carries a new source MAC (learning + invalidation).
 *
 * Ports are counting sinks, so the figures measure the switch itself. Each
 * case runs for a fixed time; the median of several repetitions is shown.
 */
import { Switch, type NetdevFactory } from '../src/vswitch/bridge.js';
import { SystemClock } from '../src/base/clock.js';
import type { SwitchConfig, PortConfig } from '../src/vswitch/config.js';
import { zeroStats, type Netdev, type ReceiveHandler } from '../src/netdev/netdev.js';

class SinkNetdev implements Netdev {
  mac = 0x020000000000;
  mtu = 1500;
  readonly stats = zeroStats();
  readonly adminUp = true;
  readonly linkUp = true;
  onStateChange: (() => void) | null = null;
  handler: ReceiveHandler | null = null;
  constructor(readonly name: string, readonly displayType = 'dummy') {}
  setOptions(): string | null { return null; }
  send(frames: readonly Buffer[]): void { this.stats.tx_packets += frames.length; }
  setReceiveHandler(h: ReceiveHandler | null): void { this.handler = h; }
  close(): void {}
}

function arg(name: string, dflt: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : dflt;
}

const PORTS = arg('ports', 8), HOSTS = arg('hosts', 256), BATCH = arg('batch', 32), SECONDS = arg('seconds', 2), REPS = arg('reps', 3);

function config(): SwitchConfig {
  const ports: PortConfig[] = Array.from({ length: PORTS }, (_, i) => ({
    uuid: `p${i}`, name: `p${i}`, tag: i % 2 ? 10 : null, trunks: [], vlanMode: null, bondMode: null, lacp: null,
    bondUpdelay: 0, bondDowndelay: 0, otherConfig: new Map(), fakeBridge: false,
    interfaces: [{ uuid: `i${i}`, name: `p${i}`, type: 'dummy', options: new Map(), otherConfig: new Map(), ofportRequest: i + 1, mac: null, mtuRequest: null }],
  }));
  return { rootUuid: 'r', nextCfg: 1, otherConfig: new Map(), bridges: [{ uuid: 'b', name: 'br0', datapathType: 'dummy', failMode: 'standalone', otherConfig: new Map([['mac-table-size', '100000']]), externalIds: new Map(), ports, controllers: [], protocols: [] }] };
}

function frame(dst: number, src: number): Buffer {
  const f = Buffer.alloc(64);
  f.writeUIntBE(dst, 0, 6);
  f.writeUIntBE(src, 6, 6);
  f.writeUInt16BE(0x0800, 12);
  return f;
}

interface Setup { sw: Switch; devs: SinkNetdev[] }

function setup(): Setup {
  const devs: SinkNetdev[] = [];
  const factory: NetdevFactory = { create: ({ name }) => { const d = new SinkNetdev(name); devs.push(d); return d; } };
  const sw = new Switch(new SystemClock(), factory);
  sw.reconfigure(config());
  return { sw, devs };
}

/** Host h lives behind port (h % PORTS) in that port's VLAN domain: even ports are trunks (VLAN 0), odd ports access VLAN 10. */
function hostMac(h: number): number { return 0x525400000000 + h; }

function run(kind: 'hits' | 'misses' | 'learn'): number {
  const { sw, devs } = setup();
  const dpif = [...sw.dpifs.values()][0]!;
  dpif.useCache = kind !== 'misses';
  // Learn every host first so unicast destinations are known.
  for (let h = 0; h < HOSTS; h++) devs[h % PORTS]!.handler!([frame(0xffffffffffff, hostMac(h))]);
  // Pairs of hosts on ports of the same VLAN parity talk to each other.
  const batches: { dev: SinkNetdev; frames: Buffer[] }[] = [];
  let learnBase = 1_000_000;
  for (let b = 0; b < 64; b++) {
    const src = (b * 7) % HOSTS;
    const dst = (src + 2) % HOSTS;
    const frames = Array.from({ length: BATCH }, (_, i) => frame(hostMac((dst + 2 * i) % HOSTS), hostMac(src)));
    batches.push({ dev: devs[src % PORTS]!, frames });
  }
  let n = 0;
  const end = performance.now() + SECONDS * 1000;
  let i = 0;
  while (performance.now() < end) {
    for (let k = 0; k < 16; k++) {
      const b = batches[i++ & 63]!;
      if (kind === 'learn') {
        const frames = b.frames.map((f) => { const g = Buffer.from(f); g.writeUIntBE(0x020000000000 + learnBase++, 6, 6); return g; });
        b.dev.handler!(frames);
      } else {
        b.dev.handler!(b.frames);
      }
      n += b.frames.length;
    }
  }
  return n / SECONDS;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const results: Record<string, number> = {};
const only = process.argv.find((x) => x.startsWith('--only='))?.slice(7);
for (const kind of ['hits', 'misses', 'learn'] as const) {
  if (only && only !== kind) { results[kind] = NaN; continue; }
  const reps = Array.from({ length: REPS }, () => run(kind));
  results[kind] = median(reps);
}
const fmt = (x: number): string => `${(x / 1e6).toFixed(2)} Mfps`.padStart(12);
process.stdout.write([
  `Weft pipeline benchmark: ${PORTS} ports, ${HOSTS} hosts, batches of ${BATCH}, ${SECONDS}s x ${REPS} reps (median), node ${process.version}`,
  '',
  'case                          frames/s',
  `megaflow cache hits      ${fmt(results.hits!)}`,
  `cache misses (xlate)     ${fmt(results.misses!)}`,
  `new source MACs (learn)  ${fmt(results.learn!)}`,
  '',
].join('\n'));
if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(results) + '\n');
