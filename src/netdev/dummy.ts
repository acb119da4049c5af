/**
 * The dummy network device, as Open vSwitch's test suite uses it: a
 * software NIC with no wire. Frames reach the switch through
 * `netdev-dummy/receive IFACE HEX`; frames the switch transmits are
 * appended to the pcap file named by `options:tx_pcap` (created or
 * truncated when the option is applied, each record flushed at once so a
 * reader polling the file sees it). `netdev-dummy/set-admin-state` takes
 * the device down and up; its carrier follows.
 *
 * Interfaces of type `internal` on a dummy-datapath bridge are dummies
 * too, shown as `dummy-internal`.
 */
import * as fs from 'node:fs';
import { zeroStats, type Netdev, type ReceiveHandler } from './netdev.js';

/** Appends frames to a classic libpcap file (microsecond timestamps, linktype Ethernet). */
export class PcapAppender {
  private fd: number;

  constructor(readonly path: string) {
    this.fd = fs.openSync(path, 'w');
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(65535, 16);   // snaplen
    h.writeUInt32LE(1, 20);       // LINKTYPE_ETHERNET
    fs.writeSync(this.fd, h);
  }

  write(frame: Buffer, nowMs = Date.now()): void {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(Math.floor(nowMs / 1000), 0);
    r.writeUInt32LE(Math.floor((nowMs % 1000) * 1000), 4);
    r.writeUInt32LE(frame.length, 8);
    r.writeUInt32LE(frame.length, 12);
    fs.writeSync(this.fd, Buffer.concat([r, frame]));
  }

  close(): void {
    try { fs.closeSync(this.fd); } catch { /* already closed */ }
  }
}

let nextMac = 1;

export class DummyNetdev implements Netdev {
  mac: number;
  mtu = 1500;
  readonly stats = zeroStats();
  adminUp = true;
  onStateChange: (() => void) | null = null;
  private handler: ReceiveHandler | null = null;
  private txPcap: PcapAppender | null = null;
  private rxPcap: PcapAppender | null = null;

  constructor(readonly name: string, readonly displayType: 'dummy' | 'dummy-internal') {
    // Locally administered, unique per device, like OVS's dummy devices (aa:55:aa:55:00:xx).
    this.mac = 0xaa55aa550000 + (nextMac++ % 0x10000);
  }

  get linkUp(): boolean {
    return this.adminUp;
  }

  setOptions(options: ReadonlyMap<string, string>): string | null {
    for (const [key, which] of [['tx_pcap', 'tx'], ['rxq_pcap', 'rx']] as const) {
      const file = options.get(key) ?? (key === 'tx_pcap' ? options.get('pcap') : undefined);
      const cur = which === 'tx' ? this.txPcap : this.rxPcap;
      if (cur?.path === file) continue;
      cur?.close();
      let next: PcapAppender | null = null;
      if (file) {
        try { next = new PcapAppender(file); } catch (e) { return `${this.name}: cannot open ${file}: ${(e as Error).message}`; }
      }
      if (which === 'tx') this.txPcap = next; else this.rxPcap = next;
    }
    return null;
  }

  setAdminState(up: boolean): void {
    if (this.adminUp === up) return;
    this.adminUp = up;
    this.onStateChange?.();
  }

  send(frames: readonly Buffer[]): void {
    for (const f of frames) {
      if (!this.adminUp) { this.stats.tx_dropped++; continue; }
      this.stats.tx_packets++;
      this.stats.tx_bytes += f.length;
      this.txPcap?.write(f);
    }
  }

  /** A frame arriving from the (imaginary) wire. */
  receive(frames: Buffer[]): void {
    const ok: Buffer[] = [];
    for (const f of frames) {
      if (!this.adminUp) { this.stats.rx_dropped++; continue; }
      this.stats.rx_packets++;
      this.stats.rx_bytes += f.length;
      this.rxPcap?.write(f);
      ok.push(f);
    }
    if (ok.length) this.handler?.(ok);
  }

  setReceiveHandler(h: ReceiveHandler | null): void {
    this.handler = h;
  }

  close(): void {
    this.handler = null;
    this.txPcap?.close();
    this.rxPcap?.close();
    this.txPcap = this.rxPcap = null;
  }
}
