/**
 * Weft's bridges with a real controller connection: a minimal learning
 * controller, written here with Weft's own codecs, listens on
 * tcp:127.0.0.1 (OpenFlow 1.3). A `secure` bridge connects to it,
 * punts unknown traffic through a table-miss flow, and the controller
 * installs flows from the packet-ins; frames then follow those flows.
 * A `standalone` bridge whose controller is gone falls back to NORMAL
 * switching (fail-open) and leaves it when the controller returns.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { startWeft, ofctl, type WeftSwitch } from './openflow-harness.js';
import { OfFramer, buildMessage, type OfMessage } from '../../src/openflow/message.js';
import { encodeHello } from '../../src/openflow/switch-msgs.js';
import { encodeFlowMod, type FlowMod } from '../../src/openflow/flow-mod.js';
import { decodePacketIn, encodePacketOut } from '../../src/openflow/packet-msgs.js';
import { msgName, OFP13 } from '../../src/openflow/constants.js';
import { emptyMatch, setMatchField } from '../../src/packet/match.js';
import type { OfAction } from '../../src/openflow/actions.js';

/** A learning-switch controller: one OpenFlow 1.3 connection at a time. */
class Controller {
  readonly server: net.Server;
  sock: net.Socket | null = null;
  packetIns = 0;
  connected = false;
  private readonly macs = new Map<number, number>();
  private xid = 100;

  constructor(readonly mode: 'learn' | 'drop') {
    this.server = net.createServer((s) => this.accept(s));
  }

  listen(port = 0): Promise<number> {
    return new Promise((resolve) => this.server.listen(port, '127.0.0.1', () => resolve((this.server.address() as net.AddressInfo).port)));
  }

  private send(b: Uint8Array): void { this.sock?.write(b); }

  private flowMod(priority: number, match: FlowMod['match'], actions: OfAction[], command: FlowMod['command'] = 'add'): void {
    this.send(encodeFlowMod({
      command, match, priority, cookie: 0n, cookieMask: 0n, newCookie: command === 'add' ? 0n : null, tableId: command === 'delete' ? 0xff : 0,
      idleTimeout: 0, hardTimeout: 0, importance: 0, bufferId: 0xffffffff, outPort: 0xffff, outGroup: 0xffffffff, flags: 0, actions,
    }, { version: OFP13, nxm: false, tableIdExt: false }, this.xid++));
  }

  private accept(s: net.Socket): void {
    this.sock = s;
    const framer = new OfFramer();
    s.write(encodeHello([OFP13], 1));
    s.on('data', (d) => { for (const m of framer.push(d).messages) this.onMessage(m); });
    s.on('error', () => {});
    s.on('close', () => { this.connected = false; });
  }

  private onMessage(m: OfMessage): void {
    const name = msgName(m.version, m.type);
    if (name === 'HELLO') {
      this.connected = true;
      // Start from an empty table, then send every table miss here (or drop everything).
      this.flowMod(0, emptyMatch(), [], 'delete');
      this.flowMod(0, emptyMatch(), this.mode === 'learn' ? [{ t: 'output', port: 0xfffd, maxLen: 0xffff }] : []);
      return;
    }
    if (name === 'ECHO_REQUEST') { this.send(buildMessage(m.version, 'ECHO_REPLY', m.xid, (w) => w.bytes(m.bytes.subarray(8)))); return; }
    if (name !== 'PACKET_IN') return;
    this.packetIns++;
    const pi = decodePacketIn(m);
    const inPort = Number(pi.metadata.fields.in_port);
    const frame = Buffer.from(pi.data);
    const dst = frame.readUIntBE(0, 6), src = frame.readUIntBE(6, 6);
    this.macs.set(src, inPort);
    const out = this.macs.get(dst);
    if (out !== undefined) {
      const match = emptyMatch();
      setMatchField(match, 'in_port', inPort);
      setMatchField(match, 'dl_dst', dst as never);
      this.flowMod(100, match, [{ t: 'output', port: out }]);
    }
    this.send(encodePacketOut({ bufferId: 0xffffffff, inPort, actions: out === undefined ? [{ t: 'flood' }] : [{ t: 'output', port: out }], data: pi.data }, OFP13, this.xid++));
  }

  close(): Promise<void> {
    this.sock?.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function frame(dst: number, src: number): Buffer {
  const b = Buffer.alloc(60);
  b.writeUIntBE(dst, 0, 6); b.writeUIntBE(src, 6, 6); b.writeUInt16BE(0x88b5, 12);
  return b;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const tx = (w: WeftSwitch, port: string) => w.devs.get(port)!.stats.tx_packets;
const cleanups: Array<() => unknown> = [];
after(async () => { for (const c of cleanups) await c(); });

test('secure bridge: packet-ins reach a tcp: controller, which installs flows that then forward', async () => {
  const ctl = new Controller('learn');
  const port = await ctl.listen();
  const w = startWeft([{ name: 'br0', ports: ['p1', 'p2', 'p3'], failMode: 'secure', controllers: [`tcp:127.0.0.1:${port}`] }], { probeMs: 1000 });
  cleanups.push(() => w.close(), () => ctl.close());
  await until(() => ctl.connected && w.sw.bridges.get('br0')!.flows.count() === 1);
  const A = 0x505400000001, B = 0x505400000002;
  // A -> B: unknown, punted, flooded by packet-out.
  w.devs.get('p1')!.receive([frame(B, A)]);
  await until(() => ctl.packetIns === 1 && tx(w, 'p2') === 1 && tx(w, 'p3') === 1);
  // B -> A: punted; the controller now knows A and installs in_port=2,dl_dst=A -> output:1.
  w.devs.get('p2')!.receive([frame(A, B)]);
  await until(() => ctl.packetIns === 2 && tx(w, 'p1') === 1);
  await until(() => w.sw.bridges.get('br0')!.flows.count() === 2);
  const dump = await ofctl(['-O', 'OpenFlow13', '--no-stats', 'dump-flows', w.mgmt('br0')]);
  assert.equal(dump.stdout, ' priority=100,in_port=2,dl_dst=50:54:00:00:00:01 actions=output:1\n priority=0 actions=CONTROLLER:65535\n');
  // The next B -> A frame follows the flow without bothering the controller.
  w.devs.get('p2')!.receive([frame(A, B)]);
  await until(() => tx(w, 'p1') === 2);
  assert.equal(ctl.packetIns, 2);
  // With the controller gone, a secure bridge keeps its flows and does not fail open.
  await ctl.close();
  await new Promise((r) => setTimeout(r, 3500));
  assert.equal(w.of.manager('br0')!.failingOpen, false);
  w.devs.get('p3')!.receive([frame(B, 0x505400000003)]);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(tx(w, 'p2'), 1, 'no NORMAL forwarding on a secure bridge');
});

test('standalone bridge: NORMAL when the controller is gone, the controller\'s table when it is back', async () => {
  const ctl = new Controller('drop');
  const port = await ctl.listen();
  const w = startWeft([{ name: 'br1', ports: ['p4', 'p5'], failMode: 'standalone', controllers: [`tcp:127.0.0.1:${port}`] }], { probeMs: 300 });
  cleanups.push(() => w.close());
  await until(() => ctl.connected && w.sw.bridges.get('br1')!.flows.count() === 1);
  await new Promise((r) => setTimeout(r, 200));
  w.devs.get('p4')!.receive([frame(0xffffffffffff, 0x505400000004)]);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(tx(w, 'p5'), 0, 'the controller\'s drop-everything table applies while it is connected');
  await ctl.close();
  await until(() => w.of.manager('br1')!.failingOpen, 5000);
  w.devs.get('p4')!.receive([frame(0xffffffffffff, 0x505400000004)]);
  await until(() => tx(w, 'p5') === 1);
  // The hidden fail-open flow is not an OpenFlow flow.
  const dump = await ofctl(['--no-stats', 'dump-flows', w.mgmt('br1')]);
  assert.equal(dump.stdout, ' priority=0 actions=drop\n');
  // The controller returns (same port): fail-open ends, its table rules again.
  const back = new Controller('drop');
  cleanups.push(() => back.close());
  await back.listen(port);
  await until(() => back.connected && !w.of.manager('br1')!.failingOpen, 15000);
  w.devs.get('p4')!.receive([frame(0xffffffffffff, 0x505400000004)]);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(tx(w, 'p5'), 1);
});
