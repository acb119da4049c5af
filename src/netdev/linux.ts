/**
 * Real Linux network devices (after OVS's netdev-linux), through the native
 * addon:
 *
 *   system    an existing interface (a NIC, a veth, a VM's TAP made by
 *             libvirt), read and written with an AF_PACKET socket bound to it,
 *             promiscuous. The default interface type, as in Open vSwitch.
 *   tap       a TAP device opened (and created if absent) by name.
 *   internal  a TAP device named like the port, so the host gets an
 *             interface it can address (`ip addr add … dev vlan53`); the
 *             bridge's own port is one too. Its MAC is the bridge's for the
 *             local port, the kernel's random one otherwise.
 *
 * Batches: one readiness callback per wake-up reads up to `BATCH` frames per
 * system call and at most `RECV_BUDGET` batches before yielding to the event
 * loop (other devices and the database session must not starve). Outputs are
 * handed to `send` in batches (one sendmmsg per batch).
 *
 * State: MTU, MAC, admin state and carrier are read from the device at open
 * and again whenever the kernel announces a link change (one netlink socket
 * for all devices), so `Interface` status follows `ip link set … down`.
 * Statistics count the frames this netdev really received and transmitted.
 */
import { zeroStats, type Netdev, type ReceiveHandler } from './netdev.js';
import { nativeIo, type WeftIo } from './native.js';
import { gsoSizeFor, markGso, segmentForWire } from './offload.js';

export type LinuxKind = 'system' | 'tap' | 'internal';

const RECV_BUDGET = 8;

/**
 * One receive area for every device, reused for every batch: frames are
 * received straight into it, so a batch costs no copy and no allocation
 * (allocating a batch-sized Buffer per wake-up made V8 collect garbage
 * several times a second at line rate). JavaScript runs one receive
 * handler at a time and no handler reads another device, so one area
 * suffices. The frames handed to a handler are valid only during the
 * call: whatever keeps a frame longer (an asynchronous send, a buffer for
 * later) must copy it first (see ReceiveHandler).
 */
let sharedSlab: Buffer | null = null;
function slabFor(io: WeftIo): Buffer {
  return (sharedSlab ??= Buffer.allocUnsafeSlow(io.BATCH * io.SLOT));
}

/** One netlink socket tells every open device when any link changed. */
class LinkMonitor {
  private static instance: LinkMonitor | null = null;
  private readonly devices = new Set<LinuxNetdev>();
  private fd = -1;
  private handle: object | null = null;

  static get(): LinkMonitor {
    return (LinkMonitor.instance ??= new LinkMonitor());
  }

  add(d: LinuxNetdev): void {
    this.devices.add(d);
    if (this.fd < 0) {
      const io = nativeIo();
      try {
        this.fd = io.openLinkMonitor();
        this.handle = io.watch(this.fd, () => this.onReadable());
        io.unref(this.handle);
      } catch {
        this.fd = -1; // Without netlink, state is still read at open and on reconfiguration.
      }
    }
  }

  remove(d: LinuxNetdev): void {
    this.devices.delete(d);
    if (this.devices.size === 0 && this.fd >= 0) {
      const io = nativeIo();
      if (this.handle) io.unwatch(this.handle);
      io.close(this.fd);
      this.fd = -1;
      this.handle = null;
    }
  }

  private onReadable(): void {
    try {
      nativeIo().drain(this.fd);
      for (const d of this.devices) d.refresh();
    } catch {
      // A device vanished between the notification and the read: refresh() handles it next time.
    }
  }
}

export class LinuxNetdev implements Netdev {
  readonly stats = zeroStats();
  onStateChange: (() => void) | null = null;
  adminUp = false;
  private running = false;
  private curMtu = 1500;
  private curMac = 0;
  private handler: ReceiveHandler | null = null;
  private fd = -1;
  private watcher: object | null = null;
  private readonly io: WeftIo;
  private readonly meta: Int32Array;
  private readonly isTap: boolean;

  private constructor(readonly name: string, readonly kind: LinuxKind) {
    this.io = nativeIo();
    this.meta = new Int32Array((this.io.BATCH + 1) * this.io.META_FIELDS);
    this.isTap = kind !== 'system';
  }

  /**
   * Opens (or, for tap/internal, creates) the device. Returns the netdev or
   * the error text for `Interface.error`, worded as ovs-vswitchd words it.
   */
  static open(name: string, kind: LinuxKind, opts: { mac?: number } = {}): LinuxNetdev | string {
    let d: LinuxNetdev;
    try {
      d = new LinuxNetdev(name, kind);
    } catch (e) {
      return `could not open network device ${name} (${(e as Error).message})`;
    }
    try {
      d.fd = kind === 'system' ? d.io.openPacket(name) : d.io.openTap(name);
    } catch (e) {
      return `could not open network device ${name} (${describe(e)})`;
    }
    try {
      if (opts.mac !== undefined) d.io.setMac(name, opts.mac);
      // OVS brings a system port up when it adds it; internal and tap ports are left to the host.
      if (kind === 'system') d.io.setUp(name, true);
    } catch {
      // Not fatal: the device works with the MAC and state it has.
    }
    d.refresh(false);
    d.watcher = d.io.watch(d.fd, () => d.onReadable());
    LinkMonitor.get().add(d);
    return d;
  }

  get displayType(): string {
    return this.kind;
  }

  get mac(): number {
    return this.curMac;
  }

  set mac(m: number) {
    try { this.io.setMac(this.name, m); this.curMac = m; } catch { /* keeps the device's own */ }
  }

  get mtu(): number {
    return this.curMtu;
  }

  set mtu(m: number) {
    if (m === this.curMtu) return;
    try { this.io.setMtu(this.name, m); this.curMtu = m; } catch { /* the device refused: keep reporting the real one */ }
  }

  get linkUp(): boolean {
    return this.adminUp && this.running;
  }

  /** Re-reads MAC, MTU and flags; reports any change so status is republished. */
  refresh(notify = true): void {
    let up = false, running = false;
    const mtu = this.curMtu, mac = this.curMac;
    try {
      const i = this.io.ifinfo(this.name);
      up = i.up;
      running = i.running;
      this.curMtu = i.mtu;
      this.curMac = i.mac;
    } catch {
      if (this.kind === 'system' || this.fd < 0) {
        // Gone from the kernel: down until it comes back.
      } else {
        // A TAP handed to another namespace (a guest's) is out of sight by name, but its queue is
        // ours and works: it stays up, as its carrier does while we hold it.
        up = running = true;
      }
    }
    const changed = up !== this.adminUp || running !== this.running || mtu !== this.curMtu || mac !== this.curMac;
    this.adminUp = up;
    this.running = running;
    if (changed && notify) this.onStateChange?.();
  }

  setOptions(_options: ReadonlyMap<string, string>): string | null {
    return null;
  }

  setReceiveHandler(h: ReceiveHandler | null): void {
    this.handler = h;
  }

  private onReadable(): void {
    if (this.fd < 0) return;
    const meta = this.meta;
    const F = this.io.META_FIELDS;
    const buf = slabFor(this.io);
    for (let round = 0; round < RECV_BUDGET; round++) {
      let n: number | null;
      try {
        n = this.io.recv(this.fd, this.isTap, meta, buf);
      } catch {
        this.stats.rx_errors++;
        return;
      }
      if (!n) return;
      const frames: Buffer[] = [];
      for (let i = 0; ; i++) {
        const len = meta[i * F + 1]!;
        if (len < 0) break;
        const f = buf.subarray(meta[i * F]!, meta[i * F]! + len);
        const gso = meta[i * F + 3]!;
        if (meta[i * F + 2]! !== 0 && gso > 0) markGso(f, gso);
        this.stats.rx_packets++;
        this.stats.rx_bytes += len;
        frames.push(f);
      }
      if (frames.length) {
        try {
          this.handler?.(frames);
        } catch (e) {
          // A bug in the pipeline must not take the daemon down with it; count and go on.
          this.stats.rx_errors++;
          process.emitWarning(`${this.name}: receive handler failed: ${(e as Error).stack ?? e}`);
        }
      }
      if (frames.length < this.io.BATCH) return;
    }
  }

  send(frames: readonly Buffer[]): void {
    if (this.fd < 0 || frames.length === 0) return;
    let gso: Int32Array | null = null;
    let out: readonly Buffer[] = frames;
    let oversized = false;
    for (let i = 0; i < frames.length; i++) {
      const g = gsoSizeFor(frames[i]!, this.curMtu);
      if (g === 0) continue;
      if (g < 0) { oversized = true; continue; }
      gso ??= new Int32Array(frames.length);
      gso[i] = g;
    }
    if (oversized) {
      // Too big for the wire and not a TCP/UDP super-segment: dropped and counted, as a NIC would.
      const keep: Buffer[] = [];
      const keepGso: number[] = [];
      for (let i = 0; i < frames.length; i++) {
        if (gsoSizeFor(frames[i]!, this.curMtu) < 0) { this.stats.tx_dropped++; continue; }
        keep.push(frames[i]!);
        keepGso.push(gso ? gso[i]! : 0);
      }
      out = keep;
      gso = gso ? Int32Array.from(keepGso) : null;
    }
    let sent = 0;
    try {
      sent = this.io.send(this.fd, this.isTap, out, gso);
    } catch {
      sent = 0;
    }
    for (let i = 0; i < sent && i < out.length; i++) {
      this.stats.tx_packets++;
      this.stats.tx_bytes += out[i]!.length;
    }
    if (sent < out.length) this.stats.tx_dropped += out.length - sent;
  }

  close(): void {
    if (this.fd < 0) return;
    LinkMonitor.get().remove(this);
    if (this.watcher) this.io.unwatch(this.watcher);
    this.io.close(this.fd);
    this.fd = -1;
    this.watcher = null;
    this.handler = null;
  }
}

/** "No such device" rather than "openPacket: ENODEV…", as OVS's strerror texts read. */
function describe(e: unknown): string {
  const m = (e as Error).message ?? String(e);
  const colon = m.lastIndexOf(': ');
  return colon >= 0 ? m.slice(colon + 2) : m;
}

/** Software segmentation for callers that must put a super-segment on a wire themselves. */
export { segmentForWire };
