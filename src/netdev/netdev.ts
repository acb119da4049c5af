/**
 * Network devices as the switch sees them (after OVS's lib/netdev.h).
 *
 * A Netdev sends and receives whole Ethernet frames in batches. The
 * datapath installs one receive handler per device; devices call it with
 * every batch they read (never one call per frame on real devices). State
 * that the database reports — MAC, MTU, admin and link state, counters —
 * is read from the device, so `Interface` status columns follow reality.
 *
 * Implementations: dummy (tests: frames injected by `netdev-dummy/receive`,
 * transmitted frames appended to a pcap file), internal (the bridge's own
 * port and host-facing ports; on the dummy datapath a dummy), and later
 * tap and system (AF_PACKET) through the native addon. One contract test
 * suite runs against every implementation.
 */
export interface NetdevStats {
  rx_packets: number;
  rx_bytes: number;
  tx_packets: number;
  tx_bytes: number;
  rx_dropped: number;
  tx_dropped: number;
  rx_errors: number;
  tx_errors: number;
}

export function zeroStats(): NetdevStats {
  return { rx_packets: 0, rx_bytes: 0, tx_packets: 0, tx_bytes: 0, rx_dropped: 0, tx_dropped: 0, rx_errors: 0, tx_errors: 0 };
}

/**
 * Receives a batch of frames. The frames may live in a receive area the
 * device reuses for its next batch: they are valid only until the handler
 * returns, so anything kept for later (an asynchronous send, a queue) must
 * be copied.
 */
export type ReceiveHandler = (frames: Buffer[]) => void;

export interface Netdev {
  readonly name: string;
  /** The type as `dpif/show` prints it (`dummy`, `dummy-internal`, `tap`, `system`…). */
  readonly displayType: string;
  /** 48-bit MAC as an integer. */
  mac: number;
  mtu: number;
  readonly stats: NetdevStats;
  /** Administrative state (`netdev-dummy/set-admin-state`, `ip link set … up`). */
  readonly adminUp: boolean;
  /** Carrier. */
  readonly linkUp: boolean;
  /** Applies `Interface.options`; returns an error text for `Interface.error`, or null. */
  setOptions(options: ReadonlyMap<string, string>): string | null;
  /** Transmits frames (the datapath's output). */
  send(frames: readonly Buffer[]): void;
  /** Installs the receive handler (one per device). */
  setReceiveHandler(h: ReceiveHandler | null): void;
  /** Called when admin/link state changes, so status can be republished. */
  onStateChange: (() => void) | null;
  close(): void;
}
