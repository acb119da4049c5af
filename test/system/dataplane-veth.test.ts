/**
 * Real traffic through `weft vswitchd` (root; every namespace, veth and TAP
 * is the test's own and is removed afterwards, also on failure).
 *
 *   vm1:eth0 ==== p1:[ weft br0 in sw ]:p2 ==== eth0:vm2      (system ports)
 *                         |  vlan53 (internal, tag 53, 10.77.0.253)
 *                         |  tap0 (type tap, moved into vm3)
 *
 * Shows, through the tools an operator uses (ovs-vsctl against Weft's server,
 * ping, iperf3, ip): ping, TCP and UDP between the VMs with the kernel's
 * default offloads left on (partial checksums, TSO), VLAN isolation between
 * access ports, a tagged internal port giving the host an address in its
 * VLAN, a TAP port, del-port stopping and add-port resuming traffic, and
 * Interface status (link state, MTU, statistics) following the devices.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Lab, labUnavailable, type Switch } from '../helpers/netns.js';

const skip = labUnavailable(['iperf3', 'ping']);

interface Topo { lab: Lab; sw: Switch; swNs: string; vm1: string; vm2: string }

function build(t: { after: (fn: () => void) => void }): Topo {
  const lab = new Lab('dp');
  t.after(() => lab.cleanup());
  const swNs = lab.netns('sw');
  const vm1 = lab.vm('vm1', swNs, 'p1', '10.77.0.1/24');
  const vm2 = lab.vm('vm2', swNs, 'p2', '10.77.0.2/24');
  const sw = lab.startWeft(swNs);
  sw.vsctl('add-br', 'br0', '--', 'add-port', 'br0', 'p1', '--', 'add-port', 'br0', 'p2');
  return { lab, sw, swNs, vm1, vm2 };
}

/** Runs one iperf3 client against a one-shot server; returns the parsed JSON report. */
let iperfPort = 15201 + (process.pid % 1000) * 4;

function iperf(lab: Lab, server: string, client: string, addr: string, args: string[]): any {
  const port = String(iperfPort++);
  // A lasting server (removed with the lab), so a retried client still finds it.
  lab.spawn(server, 'iperf3', ['-s', '-B', addr, '-p', port]);
  let out = '';
  const ok = lab.tryUntilSync(() => {
    const r = lab.try('iperf3', ['-c', addr, '-p', port, '-J', '-t', '1', ...args], { ns: client, timeout: 20_000 });
    out = r.out;
    try {
      const j = JSON.parse(out);
      return r.status === 0 && !j.error && (j.end?.sum_received ?? j.end?.sum) !== undefined;
    } catch {
      return false;
    }
  });
  assert.ok(ok, `iperf3 failed: ${out.slice(0, 500)}`);
  return JSON.parse(out);
}

test('system ports: ping, TCP and UDP with default offloads', { skip: skip ?? false, timeout: 90_000 }, async (t) => {
  const { lab, vm1, vm2 } = build(t);
  assert.ok(await lab.until(() => lab.ping(vm1, '10.77.0.2', 1) === 1, 15_000), 'vm1 reaches vm2');
  assert.ok(await lab.until(() => lab.ping(vm2, '10.77.0.1', 1) === 1, 10_000), 'no loss vm2 -> vm1');

  // Offloads stay on (the kernel default): frames with partial checksums and TSO super-segments cross.
  const features = lab.sh('ethtool', ['-k', 'eth0'], { ns: vm1 });
  assert.match(features, /tx-checksumming: on/);
  const tcp = iperf(lab, vm2, vm1, '10.77.0.2', []);
  const bps = tcp.end.sum_received.bits_per_second as number;
  assert.ok(bps > 50e6, `TCP throughput ${bps} bit/s`);
  t.diagnostic(`TCP ${(bps / 1e9).toFixed(2)} Gbit/s`);

  const udp = iperf(lab, vm2, vm1, '10.77.0.2', ['-u', '-b', '50M', '-l', '1400']);
  const s = udp.end.sum_received ?? udp.end.sum;
  assert.ok(s.packets > 1000, `UDP packets ${s.packets}`);
  assert.ok(s.lost_packets / s.packets < 0.2, `UDP loss ${s.lost_percent}%`);
});

test('access ports in different VLANs do not reach each other; same VLAN does', { skip: skip ?? false, timeout: 60_000 }, async (t) => {
  const { lab, sw, vm1 } = build(t);
  sw.vsctl('set', 'port', 'p1', 'tag=10', '--', 'set', 'port', 'p2', 'tag=20');
  assert.equal(lab.ping(vm1, '10.77.0.2', 3), 0, 'VLAN 10 does not reach VLAN 20');
  sw.vsctl('set', 'port', 'p2', 'tag=10');
  assert.ok(await lab.until(() => lab.ping(vm1, '10.77.0.2', 1) === 1, 10_000), 'same VLAN reaches');
});

test('a tagged internal port gives the host an address in its VLAN', { skip: skip ?? false, timeout: 60_000 }, async (t) => {
  const { lab, sw, swNs, vm1, vm2 } = build(t);
  // Seed 000's pattern: an internal port with a tag, and an address on it.
  sw.vsctl('set', 'port', 'p1', 'tag=53', '--', 'add-port', 'br0', 'vlan53', 'tag=53', '--', 'set', 'interface', 'vlan53', 'type=internal');
  const link = lab.sh('ip', ['-d', 'link', 'show', 'vlan53'], { ns: swNs });
  assert.match(link, /vlan53/);
  lab.sh('ip', ['addr', 'add', '10.77.0.253/24', 'dev', 'vlan53'], { ns: swNs });
  lab.sh('ip', ['link', 'set', 'vlan53', 'up'], { ns: swNs });
  assert.ok(await lab.until(() => lab.ping(vm1, '10.77.0.253', 1) === 1, 10_000), 'VLAN 53 VM reaches the host');
  assert.equal(lab.ping(vm2, '10.77.0.253', 2), 0, 'an untagged VM does not');
  assert.equal(sw.vsctl('get', 'interface', 'vlan53', 'type').trim(), 'internal');
  assert.match(sw.appctl('dpif/show'), /vlan53 \d+\/\d+: \(internal\)/);
});

test('del-port stops the traffic, add-port resumes it', { skip: skip ?? false, timeout: 60_000 }, async (t) => {
  const { lab, sw, vm1 } = build(t);
  assert.ok(await lab.until(() => lab.ping(vm1, '10.77.0.2', 1) === 1, 15_000));
  sw.vsctl('del-port', 'br0', 'p2');
  assert.equal(lab.ping(vm1, '10.77.0.2', 3), 0, 'no traffic after del-port');
  sw.vsctl('add-port', 'br0', 'p2');
  assert.ok(await lab.until(() => lab.ping(vm1, '10.77.0.2', 1) === 1, 10_000), 'traffic after add-port');
});

test('a tap port carries a namespace\'s traffic', { skip: skip ?? false, timeout: 60_000 }, async (t) => {
  const { lab, sw, swNs, vm1 } = build(t);
  const name = `${lab.prefix.slice(-6)}t`;
  sw.vsctl('add-port', 'br0', name, '--', 'set', 'interface', name, 'type=tap');
  assert.match(lab.sh('ip', ['-d', 'link', 'show', name], { ns: swNs }), /tun type tap/);
  // The TAP device goes to a VM namespace, as a hypervisor hands it to a guest; the switch keeps its queue.
  const vm3 = lab.netns('vm3');
  lab.sh('ip', ['-n', swNs, 'link', 'set', name, 'netns', vm3]);
  lab.sh('ip', ['-n', vm3, 'addr', 'add', '10.77.0.3/24', 'dev', name]);
  lab.sh('ip', ['-n', vm3, 'link', 'set', name, 'up']);
  assert.ok(await lab.until(() => lab.ping(vm1, '10.77.0.3', 1) === 1, 10_000), 'vm1 reaches the TAP VM');
  assert.equal(sw.vsctl('get', 'interface', name, 'type').trim(), 'tap');
});

test('Interface status follows the device: link state, MTU, statistics', { skip: skip ?? false, timeout: 60_000 }, async (t) => {
  const { lab, sw, swNs, vm1 } = build(t);
  const get = (col: string): string => sw.vsctl('get', 'interface', 'p1', col).trim();
  assert.ok(await lab.until(() => get('link_state') === 'up', 10_000), 'link up');
  lab.sh('ip', ['link', 'set', 'p1', 'down'], { ns: swNs });
  assert.ok(await lab.until(() => get('link_state') === 'down', 10_000), 'link down follows ip link set down');
  lab.sh('ip', ['link', 'set', 'p1', 'mtu', '1400'], { ns: swNs });
  lab.sh('ip', ['link', 'set', 'p1', 'up'], { ns: swNs });
  assert.ok(await lab.until(() => get('link_state') === 'up' && get('mtu') === '1400', 10_000), 'up again, MTU 1400');
  lab.ping(vm1, '10.77.0.2', 5);
  assert.ok(await lab.until(() => {
    const m = /rx_packets=(\d+)/.exec(get('statistics'));
    return m !== null && Number(m[1]) >= 5;
  }, 12_000, 500), `statistics count traffic: ${get('statistics')}`);
  // A missing device is reported as ovs-vswitchd reports it.
  try { sw.vsctl('add-port', 'br0', 'nosuch0'); } catch { /* ovs-vsctl reports the error too */ }
  assert.match(sw.vsctl('get', 'interface', 'nosuch0', 'error'), /could not open network device nosuch0 \(No such device\)/);
});

/**
 * Offload paths: the sender's TSO on and the egress veth's off (super-segments
 * cut in software), and the sender's TSO off and the egress's on (segments
 * merged into super-segments). 8 MiB of random bytes cross each way and
 * arrive with the same SHA-256.
 */
test('TCP payload arrives intact through software segmentation and merging', { skip: skip ?? (spawnSync('sh', ['-c', 'command -v python3 && command -v ethtool']).status !== 0 ? 'python3/ethtool missing' : false), timeout: 90_000 }, async (t) => {
  const { lab, swNs, vm1, vm2 } = build(t);
  assert.ok(await lab.until(() => lab.ping(vm1, '10.77.0.2', 1) === 1, 15_000));
  const server = `import socket,hashlib,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('10.77.0.2', int(sys.argv[1]))); s.listen(1)
c,_=s.accept(); h=hashlib.sha256(); n=0
while True:
    b=c.recv(1<<16)
    if not b: break
    h.update(b); n+=len(b)
c.sendall(f"{n} {h.hexdigest()}".encode()); c.close()`;
  const client = `import socket,hashlib,os,sys,time
data=os.urandom(8<<20); h=hashlib.sha256(data).hexdigest()
for i in range(50):
    try:
        c=socket.create_connection(('10.77.0.2', int(sys.argv[1])), timeout=10); break
    except OSError: time.sleep(0.1)
c.sendall(data); c.shutdown(socket.SHUT_WR); r=c.recv(200).decode()
print(r, h)`;
  let port = 17000 + (process.pid % 1000);
  const rx = (): [number, number] => {
    const j = JSON.parse(lab.sh('ip', ['-s', '-j', 'link', 'show', 'eth0'], { ns: vm2 }))[0].stats64.rx;
    return [j.packets as number, j.bytes as number];
  };
  for (const [name, setup, check] of [
    // The sender's TSO off, the egress's on: full-size segments leave the switch merged.
    ['merging', () => { lab.sh('ethtool', ['-K', 'eth0', 'tx', 'off'], { ns: vm1 }); }, (avg: number) => avg > 3000],
    // The sender's TSO on, the egress's off: super-segments are cut to the MTU.
    ['segmentation', () => {
      lab.sh('ethtool', ['-K', 'eth0', 'tx', 'on', 'tso', 'on'], { ns: vm1 });
      lab.sh('ethtool', ['-K', 'p2', 'tx', 'off'], { ns: swNs });
    }, (avg: number) => avg <= 1514],
  ] as const) {
    setup();
    const p = String(port++);
    lab.spawn(vm2, 'python3', ['-c', server, p]);
    const [p0, b0] = rx();
    const out = lab.sh('python3', ['-c', client, p], { ns: vm1, timeout: 60_000 }).trim().split(/\s+/);
    const [p1, b1] = rx();
    assert.equal(out[0], String(8 << 20), `${name}: byte count`);
    assert.equal(out[1], out[2], `${name}: SHA-256 of what arrived = of what was sent`);
    const avg = (b1 - b0) / (p1 - p0);
    t.diagnostic(`${name}: ${p1 - p0} frames reached vm2, ${avg.toFixed(0)} bytes on average`);
    assert.ok(check(avg), `${name}: average frame ${avg.toFixed(0)} bytes`);
  }
});
