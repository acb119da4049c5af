/**
 * What the OpenFlow side needs from a bridge, as one interface, so the
 * message handlers can be tested against a fake bridge and do not know
 * the switch's internals: identity, ports and their counters, the flow
 * and group tables, packet-out execution, port_mod, and a "flows changed"
 * signal that invalidates cached datapath decisions.
 *
 * Session state is here too: the protocol a connection negotiated and the
 * per-connection settings OpenFlow lets a controller change (flow format,
 * packet-in format, miss_send_len, role, async config).
 */
import type { FlowRule, FlowTables } from '../flow-table.js';
import type { GroupTable } from '../group.js';
import type { PacketOut } from '../packet-msgs.js';
import type { PortDesc, PortMod, PortStats } from '../switch-msgs.js';
import type { OfMessage } from '../message.js';

export interface OfBridge {
  readonly name: string;
  datapathId(): bigint;
  ports(): PortDesc[];
  /** Counters of one port, or of every port for OFPP_ANY. */
  portStats(port: number): PortStats[];
  readonly flows: FlowTables<FlowRule>;
  readonly groups: GroupTable;
  /** The flow or group tables changed: cached decisions are stale. */
  flowsChanged(): void;
  /** Runs a packet-out's actions on its packet (throws OfError to refuse it). */
  packetOut(po: PacketOut): void;
  /** Applies a port_mod (throws OfError for an unknown port or bad address). */
  portMod(pm: PortMod): void;
  now(): number;
}

export type Role = 'equal' | 'master' | 'slave';

export interface Bundle {
  readonly flags: number;
  readonly msgs: OfMessage[];
  closed: boolean;
}

export interface SessionState {
  version: number;
  /** OpenFlow 1.0 flow format: NXM after NXT_SET_FLOW_FORMAT(nxm). */
  nxm: boolean;
  /** NXT_FLOW_MOD_TABLE_ID enabled (1.0 flow_mod commands carry a table id). */
  tableIdExt: boolean;
  packetInFormat: number;
  missSendLen: number;
  fragFlags: number;
  role: Role;
  controllerId: number;
  /** Controller (primary) connections get async messages by default; service connections only once miss_send_len > 0. */
  readonly primary: boolean;
  readonly bundles: Map<number, Bundle>;
}

export function newSessionState(primary: boolean): SessionState {
  return {
    version: 0, nxm: false, tableIdExt: false, packetInFormat: 0, missSendLen: primary ? 128 : 0, fragFlags: 0,
    role: 'equal', controllerId: 0, primary, bundles: new Map(),
  };
}

/** Whether a connection receives asynchronous messages (packet-in, flow-removed, port-status), as OVS decides. */
export function receivesAsync(s: SessionState): boolean {
  if (s.version === 0) return false;
  if (!s.primary && s.missSendLen === 0) return false;
  return s.role !== 'slave';
}
