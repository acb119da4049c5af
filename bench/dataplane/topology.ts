/**
 * The namespace topology every switch is measured on, one copy per switch:
 *
 *   vm1:eth0 (10.199.0.1/24) ==== p1:[ switch, ns sw ]:p2 ==== eth0:vm2 (10.199.0.2/24)
 *
 * Three namespaces per copy (`<prefix>-<tag>-vm1|vm2|sw`), two veth pairs,
 * MTU 1500, IPv6 off everywhere. The switch is then built in `sw` with the
 * two host-side ends `p1` and `p2` as its ports. Copies are independent, so
 * the same addresses and iperf3 port serve every switch, and all of them
 * stay up while the tests are interleaved.
 *
 * Checksum offload: with `offload: 'off'` every veth end gets
 * `ethtool -K IF tx off` (which also turns off TSO), for every switch
 * alike. A veth hands frames to a packet socket with the TCP/UDP checksum
 * still to be filled in; Open vSwitch's userspace datapath forwards them as
 * they are and the receiver drops them. `keep` leaves the kernel defaults,
 * which the Linux bridge and Weft (it completes partial checksums) handle.
 */
import type { Lab } from './lab.js';
import type { Offload } from './options.js';

export const VM1_IP = '10.199.0.1';
export const VM2_IP = '10.199.0.2';
export const PREFIX_LEN = 24;
/** The switch-side interfaces, in port order. */
export const SWITCH_PORTS = ['p1', 'p2'] as const;

export interface Topology {
  readonly vm1: string;
  readonly vm2: string;
  readonly sw: string;
}

export async function buildTopology(lab: Lab, opts: { tag: string; offload: Offload }): Promise<Topology> {
  const sw = await lab.netns(`${opts.tag}-sw`);
  const vms: string[] = [];
  for (const [i, ip] of [VM1_IP, VM2_IP].entries()) {
    const vm = await lab.netns(`${opts.tag}-vm${i + 1}`);
    const port = SWITCH_PORTS[i]!;
    await lab.must('ip', ['link', 'add', port, 'netns', sw, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', vm]);
    await lab.must('ip', ['-n', vm, 'addr', 'add', `${ip}/${PREFIX_LEN}`, 'dev', 'eth0']);
    if (opts.offload === 'off') {
      await lab.must('ethtool', ['-K', port, 'tx', 'off'], { ns: sw });
      await lab.must('ethtool', ['-K', 'eth0', 'tx', 'off'], { ns: vm });
    }
    await lab.must('ip', ['-n', sw, 'link', 'set', port, 'up']);
    await lab.must('ip', ['-n', vm, 'link', 'set', 'eth0', 'up']);
    vms.push(vm);
  }
  return { vm1: vms[0]!, vm2: vms[1]!, sw };
}

/** One echo request from vm1 to vm2, waiting at most a second: did it come back? */
export async function reaches(lab: Lab, topo: Topology): Promise<boolean> {
  const r = await lab.run('ping', ['-c', '1', '-W', '1', '-q', VM2_IP], { ns: topo.vm1, timeoutMs: 5000 });
  return r.code === 0;
}

/**
 * Polls until vm1 reaches vm2 or `timeoutMs` passes; then warms up (both
 * MACs learned, ARP resolved both ways, flows installed). Returns whether
 * it got through.
 */
export async function waitUntilForwarding(lab: Lab, topo: Topology, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await reaches(lab, topo))) {
    if (lab.closed || Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  await lab.run('ping', ['-c', '5', '-i', '0.05', '-W', '1', '-q', VM2_IP], { ns: topo.vm1, timeoutMs: 10_000 });
  await lab.run('ping', ['-c', '2', '-i', '0.05', '-W', '1', '-q', VM1_IP], { ns: topo.vm2, timeoutMs: 10_000 });
  return true;
}
