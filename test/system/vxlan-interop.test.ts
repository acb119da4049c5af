/**
 * VXLAN interop on real interfaces (root; own namespaces). A Weft
 * hypervisor carries two tenant networks (VNI 100 and 200) over an underlay
 * veth to a peer VTEP, which is (a) the Linux kernel: `vxlan` devices on
 * Linux bridges, or (b) a real Open vSwitch userspace bridge with VXLAN
 * ports. Weft is set up the OVS way: the underlay NIC on `br-phy`, the
 * endpoint address on br-phy's own port, one overlay bridge per VNI.
 *
 *   vmWa ── br-a (vx100) ┐                               ┌ VNI 100 ── vmPa 10.60.0.2
 *   10.60.0.1            ├ br-phy: u0 10.98.0.1 ═══ u1 10.98.0.2 (peer VTEP)
 *   vmWb ── br-b (vx200) ┘                               └ VNI 200 ── vmPb 10.60.0.12
 *   10.60.0.11
 *
 * Shows: pings both ways in each VNI, nothing crosses between VNIs (vmWa
 * cannot reach vmPb in the same /24), and tshark decodes Weft's packets as
 * valid VXLAN with the right VNI and no warnings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Lab, labUnavailable, type Switch } from '../helpers/netns.js';

const skip = labUnavailable(['ping', 'ovs-vswitchd', 'tshark', 'iperf3']);

interface Side { lab: Lab; weft: Switch; nsW: string; nsP: string; vmWa: string; vmWb: string; vmPa: string; vmPb: string }

type Kind = 'vxlan' | 'geneve' | 'gre';

function weftSide(lab: Lab, kind: Kind = 'vxlan'): Side {
  const nsW = lab.netns('hv');
  const nsP = lab.netns('peer');
  lab.veth(nsW, 'u0', nsP, 'u1', { mtu: 1600 });
  const vmWa = lab.vm('wa', nsW, 'wa', '10.60.0.1/24');
  const vmWb = lab.vm('wb', nsW, 'wb', '10.60.0.11/24');
  const vmPa = lab.vm('pa', nsP, 'pa', '10.60.0.2/24');
  const vmPb = lab.vm('pb', nsP, 'pb', '10.60.0.12/24');
  const weft = lab.startWeft(nsW);
  const tun = (key: number): string[] => [`type=${kind}`, 'options:remote_ip=10.98.0.2', 'options:local_ip=10.98.0.1', `options:key=${key}`];
  weft.vsctl('add-br', 'br-phy', '--', 'add-port', 'br-phy', 'u0',
    '--', 'add-br', 'br-a', '--', 'add-port', 'br-a', 'wa', '--', 'add-port', 'br-a', 'vx100', '--', 'set', 'interface', 'vx100', ...tun(100),
    '--', 'add-br', 'br-b', '--', 'add-port', 'br-b', 'wb', '--', 'add-port', 'br-b', 'vx200', '--', 'set', 'interface', 'vx200', ...tun(200));
  lab.sh('ip', ['-n', nsW, 'link', 'set', 'br-phy', 'mtu', '1600']);
  lab.sh('ip', ['-n', nsW, 'addr', 'add', '10.98.0.1/24', 'dev', 'br-phy']);
  lab.sh('ip', ['-n', nsW, 'link', 'set', 'br-phy', 'up']);
  return { lab, weft, nsW, nsP, vmWa, vmWb, vmPa, vmPb };
}

const WIRE: Record<Kind, { filter: string; decode: RegExp; vni: (n: number) => RegExp }> = {
  vxlan: { filter: 'udp port 4789', decode: /Virtual eXtensible Local Area Network/, vni: (n) => new RegExp(`VXLAN Network Identifier \\(VNI\\): ${n}\\b`) },
  geneve: { filter: 'udp port 6081', decode: /Generic Network Virtualization Encapsulation/, vni: (n) => new RegExp(`Virtual Network Identifier \\(VNI\\): 0x${n.toString(16).padStart(6, '0')}`) },
  gre: { filter: 'ip proto 47', decode: /Generic Routing Encapsulation \(Transparent Ethernet bridging\)/, vni: (n) => new RegExp(`Key: 0x${n.toString(16).padStart(8, "0")}`) },
};

async function checkTraffic(t: { diagnostic: (s: string) => void }, s: Side, peer: string, kind: Kind = 'vxlan'): Promise<void> {
  const { lab } = s;
  assert.ok(await lab.until(() => lab.ping(s.vmWa, '10.60.0.2', 1) === 1, 20_000), `VNI 100: Weft VM reaches the ${peer} VM\n${s.weft.appctl('ovs/route/show')}${s.weft.appctl('tnl/neigh/show')}`);
  assert.ok(await lab.until(() => lab.ping(s.vmPa, '10.60.0.1', 1) === 1, 10_000), `VNI 100: the ${peer} VM reaches the Weft VM`);
  assert.ok(await lab.until(() => lab.ping(s.vmWb, '10.60.0.12', 1) === 1, 20_000), `VNI 200: Weft VM reaches the ${peer} VM`);
  assert.ok(await lab.until(() => lab.ping(s.vmPb, '10.60.0.11', 1) === 1, 10_000), `VNI 200: the ${peer} VM reaches the Weft VM`);
  // Same subnet, different VNIs: nothing crosses.
  assert.equal(lab.ping(s.vmWa, '10.60.0.12', 2), 0, 'VNI 100 does not reach VNI 200');
  assert.equal(lab.ping(s.vmPb, '10.60.0.1', 2), 0, 'VNI 200 does not reach VNI 100');

  // TCP with the VMs' default offloads (TSO super-segments are cut before encapsulation), both ways.
  for (const [srv, cli, addr] of [[s.vmPa, s.vmWa, '10.60.0.2'], [s.vmWa, s.vmPa, '10.60.0.1']] as const) {
    const port = String(18000 + (process.pid % 1000));
    lab.spawn(srv, 'iperf3', ['-s', '-1', '-p', port]);
    let bps = 0;
    lab.tryUntilSync(() => {
      const r = lab.try('iperf3', ['-c', addr, '-p', port, '-t', '1', '-J'], { ns: cli, timeout: 20_000 });
      try { bps = JSON.parse(r.out).end.sum_received.bits_per_second; } catch { return false; }
      return r.status === 0;
    });
    t.diagnostic(`${peer}: TCP over ${kind} to ${addr}: ${(bps / 1e9).toFixed(2)} Gbit/s`);
    assert.ok(bps > 20e6, `TCP over ${kind} to ${addr}: ${bps} bit/s`);
    await new Promise((r) => setTimeout(r, 300));
  }

  // tshark decodes what Weft sent as valid VXLAN, with no warnings.
  const pcap = path.join(lab.dir, `${peer}-${kind}.pcap`);
  const w = WIRE[kind];
  const cap = lab.spawn(s.nsP, 'tshark', ['-q', '-i', 'u1', '-c', '8', '-f', `${w.filter} and src host 10.98.0.1`, '-w', pcap]);
  await new Promise((r) => setTimeout(r, 1500));
  lab.ping(s.vmWa, '10.60.0.2', 4);
  lab.ping(s.vmWb, '10.60.0.12', 4);
  await lab.until(() => spawnSync('kill', ['-0', String(cap)]).status !== 0, 10_000, 200);
  const decoded = lab.sh('tshark', ['-r', pcap, '-V', '-o', 'vxlan.udp.port:4789']);
  assert.match(decoded, w.decode);
  assert.match(decoded, w.vni(100));
  assert.match(decoded, w.vni(200));
  assert.match(decoded, /Internet Control Message Protocol/);
  assert.doesNotMatch(decoded, /Malformed|Expert Info \((Warning|Error)/);
  const n = (decoded.match(/^Frame \d+:/gm) ?? []).length;
  t.diagnostic(`${peer}: tshark decoded ${n} ${kind} packets from Weft without warnings`);
}

test('VXLAN between Weft and the Linux kernel: two VNIs, both ways, kept apart, valid on the wire', { skip: skip ?? false, timeout: 120_000 }, async (t) => {
  const lab = new Lab('vk');
  t.after(() => lab.cleanup());
  const s = weftSide(lab);
  const ip = (...a: string[]): string => lab.sh('ip', ['-n', s.nsP, ...a]);
  ip('addr', 'add', '10.98.0.2/24', 'dev', 'u1');
  for (const [vni, vm] of [[100, 'pa'], [200, 'pb']] as const) {
    ip('link', 'add', `vx${vni}`, 'type', 'vxlan', 'id', String(vni), 'local', '10.98.0.2', 'remote', '10.98.0.1', 'dstport', '4789', 'dev', 'u1');
    ip('link', 'add', `br${vni}`, 'type', 'bridge');
    ip('link', 'set', `vx${vni}`, 'master', `br${vni}`);
    ip('link', 'set', vm, 'master', `br${vni}`);
    ip('link', 'set', `vx${vni}`, 'up');
    ip('link', 'set', `br${vni}`, 'up');
  }
  await checkTraffic(t, s, 'linux');

  // MTU: with a 1500-byte underlay, a full-size inner frame no longer fits once encapsulated; it is a
  // counted drop (tx_dropped on the underlay port), never a fragment of a tunnel packet; small ones pass.
  lab.sh('ip', ['-n', s.nsW, 'link', 'set', 'u0', 'mtu', '1500']);
  assert.ok(await lab.until(() => s.weft.vsctl('get', 'interface', 'u0', 'mtu').trim() === '1500', 10_000), 'MTU followed');
  const dropped = (): number => Number(/tx_dropped=(\d+)/.exec(s.weft.vsctl('get', 'interface', 'u0', 'statistics'))?.[1] ?? 0);
  const before = dropped();
  assert.equal(lab.try('ping', ['-c', '3', '-i', '0.2', '-W', '1', '-M', 'do', '-s', '1472', '10.60.0.2'], { ns: s.vmWa }).out.match(/(\d+) received/)?.[1], '0', 'an oversized frame does not cross');
  assert.ok(await lab.until(() => lab.ping(s.vmWa, '10.60.0.2', 1) === 1, 10_000), 'small frames still cross');
  assert.ok(await lab.until(() => dropped() >= before + 3, 12_000, 500), `oversized frames counted as tx_dropped (${dropped()})`);
});

for (const kind of ['vxlan', 'geneve', 'gre'] as const) {
test(`${kind} between Weft and Open vSwitch (userspace): two VNIs, both ways, kept apart, valid on the wire`, { skip: skip ?? false, timeout: 120_000 }, async (t) => {
  const lab = new Lab('vo');
  t.after(() => lab.cleanup());
  const s = weftSide(lab, kind);
  const ovs = lab.startOvs(s.nsP);
  // Open vSwitch's userspace datapath forwards partial checksums as they are: its VMs need TX checksum offload off.
  for (const vm of [s.vmPa, s.vmPb]) lab.sh('ethtool', ['-K', 'eth0', 'tx', 'off'], { ns: vm });
  const tun = (key: number): string[] => [`type=${kind}`, 'options:remote_ip=10.98.0.1', 'options:local_ip=10.98.0.2', `options:key=${key}`];
  const net = (br: string): string[] => ['--', 'add-br', br, '--', 'set', 'bridge', br, 'datapath_type=netdev'];
  ovs.vsctl(...net('br-phy').slice(1), '--', 'add-port', 'br-phy', 'u1',
    ...net('br-a'), '--', 'add-port', 'br-a', 'pa', '--', 'add-port', 'br-a', 'vx100', '--', 'set', 'interface', 'vx100', ...tun(100),
    ...net('br-b'), '--', 'add-port', 'br-b', 'pb', '--', 'add-port', 'br-b', 'vx200', '--', 'set', 'interface', 'vx200', ...tun(200));
  lab.sh('ip', ['-n', s.nsP, 'link', 'set', 'br-phy', 'mtu', '1600']);
  lab.sh('ip', ['-n', s.nsP, 'addr', 'add', '10.98.0.2/24', 'dev', 'br-phy']);
  lab.sh('ip', ['-n', s.nsP, 'link', 'set', 'br-phy', 'up']);
  await checkTraffic(t, s, 'ovs', kind);
  // Both learned the endpoint's routes from the host, printed alike.
  for (const [sw, me] of [[s.weft, '10.98.0.1'], [ovs, '10.98.0.2']] as const) {
    const routes = sw.appctl('ovs/route/show');
    assert.match(routes, new RegExp(`^Cached: ${me.replace(/\./g, '\\.')}/32 dev br-phy SRC ${me.replace(/\./g, '\\.')} local$`, 'm'));
    assert.match(routes, new RegExp(`^Cached: 10\\.98\\.0\\.0/24 dev br-phy SRC ${me.replace(/\./g, '\\.')}$`, 'm'));
  }
});
}

/**
 * No underlay bridge: the endpoint address sits on the host's own NIC and
 * the tunnel's packets go through the host's UDP/IP stack. Weft talks to a
 * Linux kernel VTEP (VXLAN) and to another Weft (Geneve) this way.
 */
test('tunnels through the host\'s UDP stack when no bridge routes: Weft to Linux (VXLAN) and Weft to Weft (Geneve)', { skip: skip ?? false, timeout: 120_000 }, async (t) => {
  const lab = new Lab('vh');
  t.after(() => lab.cleanup());
  const hvA = lab.netns('a');
  const hvB = lab.netns('b');
  const hvC = lab.netns('c');
  lab.veth(hvA, 'n0', hvB, 'n0', { mtu: 1600 });
  lab.veth(hvA, 'n1', hvC, 'n0', { mtu: 1600 });
  lab.sh('ip', ['-n', hvA, 'addr', 'add', '10.97.0.1/24', 'dev', 'n0']);
  lab.sh('ip', ['-n', hvB, 'addr', 'add', '10.97.0.2/24', 'dev', 'n0']);
  lab.sh('ip', ['-n', hvA, 'addr', 'add', '10.97.1.1/24', 'dev', 'n1']);
  lab.sh('ip', ['-n', hvC, 'addr', 'add', '10.97.1.2/24', 'dev', 'n0']);
  const vmA = lab.vm('va', hvA, 'va', '10.61.0.1/24');
  const vmA2 = lab.vm('va2', hvA, 'va2', '10.62.0.1/24');
  const vmB = lab.vm('vb', hvB, 'vb', '10.61.0.2/24');
  const vmC = lab.vm('vc', hvC, 'vc', '10.62.0.2/24');
  const a = lab.startWeft(hvA, 'weftA');
  a.vsctl('add-br', 'br-a', '--', 'add-port', 'br-a', 'va', '--', 'add-port', 'br-a', 'vx', '--', 'set', 'interface', 'vx', 'type=vxlan', 'options:remote_ip=10.97.0.2', 'options:key=300',
    '--', 'add-br', 'br-g', '--', 'add-port', 'br-g', 'va2', '--', 'add-port', 'br-g', 'gv', '--', 'set', 'interface', 'gv', 'type=geneve', 'options:remote_ip=10.97.1.2', 'options:key=301');
  // hvB: the Linux kernel's VXLAN on a bridge.
  const ipB = (...x: string[]): string => lab.sh('ip', ['-n', hvB, ...x]);
  ipB('link', 'add', 'vx300', 'type', 'vxlan', 'id', '300', 'local', '10.97.0.2', 'remote', '10.97.0.1', 'dstport', '4789', 'dev', 'n0');
  ipB('link', 'add', 'br300', 'type', 'bridge');
  ipB('link', 'set', 'vx300', 'master', 'br300');
  ipB('link', 'set', 'vb', 'master', 'br300');
  ipB('link', 'set', 'vx300', 'up');
  ipB('link', 'set', 'br300', 'up');
  // hvC: another Weft, Geneve through its host stack too.
  const c = lab.startWeft(hvC, 'weftC');
  c.vsctl('add-br', 'br-g', '--', 'add-port', 'br-g', 'vc', '--', 'add-port', 'br-g', 'gv', '--', 'set', 'interface', 'gv', 'type=geneve', 'options:remote_ip=10.97.1.1', 'options:key=301');

  assert.ok(await lab.until(() => lab.ping(vmA, '10.61.0.2', 1) === 1, 20_000), 'Weft -> Linux VXLAN via the host stack');
  assert.ok(await lab.until(() => lab.ping(vmB, '10.61.0.1', 1) === 1, 10_000), 'Linux -> Weft');
  assert.ok(await lab.until(() => lab.ping(vmA2, '10.62.0.2', 1) === 1, 20_000), 'Weft -> Weft Geneve via the host stack');
  assert.ok(await lab.until(() => lab.ping(vmC, '10.62.0.1', 1) === 1, 10_000), 'and back');
  const trace = a.appctl('ofproto/trace', 'br-a', 'in_port=va,dl_src=02:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff');
  assert.match(trace, /output to kernel tunnel vx: 10\.97\.0\.2 vxlan vni 300 via the host's UDP stack/);
});
