/** A Netdev test double: records what the switch sends, injects what it receives. */
import { zeroStats, type Netdev, type ReceiveHandler } from '../../src/netdev/netdev.js';

export class TestNetdev implements Netdev {
  mac = 0x02000000aa00;
  mtu = 1500;
  readonly stats = zeroStats();
  adminUp = true;
  linkUp = true;
  readonly sent: Buffer[] = [];
  onStateChange: (() => void) | null = null;
  private handler: ReceiveHandler | null = null;

  constructor(readonly name: string, readonly displayType: string) {}

  setOptions(): string | null { return null; }

  send(frames: readonly Buffer[]): void {
    for (const f of frames) { this.sent.push(f); this.stats.tx_packets++; this.stats.tx_bytes += f.length; }
  }

  setReceiveHandler(h: ReceiveHandler | null): void { this.handler = h; }

  inject(frames: Buffer[]): void {
    for (const f of frames) { this.stats.rx_packets++; this.stats.rx_bytes += f.length; }
    this.handler?.(frames);
  }

  close(): void { this.handler = null; }
}
