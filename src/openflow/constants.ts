/**
 * OpenFlow's numbers: protocol versions, message types, multipart types,
 * the Nicira (NX) and ONF extension subtypes, reserved ports, and the
 * flags of the messages Weft speaks. Names are the specifications' own
 * (OFPT_*, OFPMP_*, NXT_*, NXST_*), so a reader can grep the standards.
 *
 * Message types moved between versions (BARRIER is 18 in 1.0 and 20 from
 * 1.1; PORT_MOD 15 then 16), so the codec never uses a raw type number:
 * it asks `msgType(version, name)` and `msgName(version, type)`.
 *
 * Ports: OpenFlow 1.0 numbers ports in 16 bits, 1.1+ in 32 bits, with the
 * reserved ports at the top of each space (0xfff8.. and 0xfffffff8..).
 * Inside Weft every port is the 16-bit number (as OVS's ofp_port_t);
 * `port11To10`/`port10To11` convert at the 1.1+ wire.
 */

export const OFP10 = 0x01;
export const OFP11 = 0x02;
export const OFP12 = 0x03;
export const OFP13 = 0x04;
export const OFP14 = 0x05;
export const OFP15 = 0x06;

export type OfVersion = 1 | 2 | 3 | 4 | 5 | 6;

/** Versions Weft negotiates (1.0, 1.3, 1.4 and 1.5 share the 1.3 codec where they agree). */
export const SUPPORTED_VERSIONS: readonly OfVersion[] = [OFP10, OFP13, OFP14, OFP15];

export const VERSION_NAMES: Readonly<Record<number, string>> = {
  1: 'OpenFlow10', 2: 'OpenFlow11', 3: 'OpenFlow12', 4: 'OpenFlow13', 5: 'OpenFlow14', 6: 'OpenFlow15',
};

export const OFP_HEADER_LEN = 8;
export const NX_VENDOR_ID = 0x00002320;
export const ONF_VENDOR_ID = 0x4f4e4600;

/** Message type names, version independent. */
export type MsgName =
  | 'HELLO' | 'ERROR' | 'ECHO_REQUEST' | 'ECHO_REPLY' | 'VENDOR'
  | 'FEATURES_REQUEST' | 'FEATURES_REPLY' | 'GET_CONFIG_REQUEST' | 'GET_CONFIG_REPLY' | 'SET_CONFIG'
  | 'PACKET_IN' | 'FLOW_REMOVED' | 'PORT_STATUS' | 'PACKET_OUT' | 'FLOW_MOD' | 'GROUP_MOD' | 'PORT_MOD'
  | 'TABLE_MOD' | 'STATS_REQUEST' | 'STATS_REPLY' | 'BARRIER_REQUEST' | 'BARRIER_REPLY'
  | 'QUEUE_GET_CONFIG_REQUEST' | 'QUEUE_GET_CONFIG_REPLY' | 'ROLE_REQUEST' | 'ROLE_REPLY'
  | 'GET_ASYNC_REQUEST' | 'GET_ASYNC_REPLY' | 'SET_ASYNC' | 'METER_MOD' | 'ROLE_STATUS' | 'TABLE_STATUS'
  | 'REQUESTFORWARD' | 'BUNDLE_CONTROL' | 'BUNDLE_ADD_MESSAGE';

const OF10_TYPES: readonly MsgName[] = [
  'HELLO', 'ERROR', 'ECHO_REQUEST', 'ECHO_REPLY', 'VENDOR', 'FEATURES_REQUEST', 'FEATURES_REPLY',
  'GET_CONFIG_REQUEST', 'GET_CONFIG_REPLY', 'SET_CONFIG', 'PACKET_IN', 'FLOW_REMOVED', 'PORT_STATUS',
  'PACKET_OUT', 'FLOW_MOD', 'PORT_MOD', 'STATS_REQUEST', 'STATS_REPLY', 'BARRIER_REQUEST', 'BARRIER_REPLY',
  'QUEUE_GET_CONFIG_REQUEST', 'QUEUE_GET_CONFIG_REPLY',
];

/** OpenFlow 1.1+ numbering (1.3 §7.1; 1.4 and 1.5 append). */
const OF11_TYPES: readonly MsgName[] = [
  'HELLO', 'ERROR', 'ECHO_REQUEST', 'ECHO_REPLY', 'VENDOR', 'FEATURES_REQUEST', 'FEATURES_REPLY',
  'GET_CONFIG_REQUEST', 'GET_CONFIG_REPLY', 'SET_CONFIG', 'PACKET_IN', 'FLOW_REMOVED', 'PORT_STATUS',
  'PACKET_OUT', 'FLOW_MOD', 'GROUP_MOD', 'PORT_MOD', 'TABLE_MOD', 'STATS_REQUEST', 'STATS_REPLY',
  'BARRIER_REQUEST', 'BARRIER_REPLY', 'QUEUE_GET_CONFIG_REQUEST', 'QUEUE_GET_CONFIG_REPLY',
  'ROLE_REQUEST', 'ROLE_REPLY', 'GET_ASYNC_REQUEST', 'GET_ASYNC_REPLY', 'SET_ASYNC', 'METER_MOD',
  'ROLE_STATUS', 'TABLE_STATUS', 'REQUESTFORWARD', 'BUNDLE_CONTROL', 'BUNDLE_ADD_MESSAGE',
];

export function msgType(version: number, name: MsgName): number {
  const list = version === OFP10 ? OF10_TYPES : OF11_TYPES;
  const t = list.indexOf(name);
  if (t < 0) throw new RangeError(`${name} does not exist in OpenFlow version ${version}`);
  return t;
}

export function msgName(version: number, type: number): MsgName | undefined {
  return (version === OFP10 ? OF10_TYPES : OF11_TYPES)[type];
}

/** Multipart (stats) types, OpenFlow 1.3 §7.3.5; 1.0 shares 0..5 and 0xffff. */
export const OFPMP = {
  DESC: 0, FLOW: 1, AGGREGATE: 2, TABLE: 3, PORT_STATS: 4, QUEUE: 5, GROUP: 6, GROUP_DESC: 7,
  GROUP_FEATURES: 8, METER: 9, METER_CONFIG: 10, METER_FEATURES: 11, TABLE_FEATURES: 12, PORT_DESC: 13,
  TABLE_DESC: 14, QUEUE_DESC: 15, FLOW_MONITOR: 16, VENDOR: 0xffff,
} as const;

/** Nicira vendor message subtypes (NXT_*) and stats subtypes (NXST_*). */
export const NXT = {
  ROLE_REQUEST: 10, ROLE_REPLY: 11, SET_FLOW_FORMAT: 12, FLOW_MOD: 13, FLOW_REMOVED: 14,
  FLOW_MOD_TABLE_ID: 15, SET_PACKET_IN_FORMAT: 16, PACKET_IN: 17, FLOW_AGE: 18, SET_ASYNC_CONFIG: 19,
  SET_CONTROLLER_ID: 20, FLOW_MONITOR_CANCEL: 21, FLOW_MONITOR_PAUSED: 22, FLOW_MONITOR_RESUMED: 23,
  TLV_TABLE_MOD: 24, TLV_TABLE_REQUEST: 25, TLV_TABLE_REPLY: 26, RESUME: 28, CT_FLUSH_ZONE: 29,
  PACKET_IN2: 30, GROUP_MOD: 31, CT_FLUSH: 32,
} as const;

export const NXST = { FLOW: 0, AGGREGATE: 1, FLOW_MONITOR: 2, GROUP: 7, GROUP_DESC: 8, GROUP_FEATURES: 9 } as const;

/** ONF extension message types used with OpenFlow 1.3 (bundles). */
export const ONFT = { BUNDLE_CONTROL: 2300, BUNDLE_ADD_MESSAGE: 2301 } as const;

/** Flow formats a session may select with NXT_SET_FLOW_FORMAT. */
export const NXFF = { OPENFLOW10: 0, NXM: 2 } as const;
/** Packet-in formats (NXT_SET_PACKET_IN_FORMAT). */
export const NXPIF = { STANDARD: 0, NXT_PACKET_IN: 1, NXT_PACKET_IN2: 2 } as const;

export const OFPFC = { ADD: 0, MODIFY: 1, MODIFY_STRICT: 2, DELETE: 3, DELETE_STRICT: 4 } as const;

/** Flow-mod flags in OVS's version-independent bit order (OFPUTIL_FF_*). */
export const FF = {
  SEND_FLOW_REM: 1 << 0, NO_PKT_COUNTS: 1 << 1, NO_BYT_COUNTS: 1 << 2, CHECK_OVERLAP: 1 << 3,
  RESET_COUNTS: 1 << 4, EMERG: 1 << 5, HIDDEN_FIELDS: 1 << 6, NO_READONLY: 1 << 7,
} as const;

export const OFPRR = { IDLE_TIMEOUT: 0, HARD_TIMEOUT: 1, DELETE: 2, GROUP_DELETE: 3, METER_DELETE: 4, EVICTION: 5 } as const;
export const OFPR = { NO_MATCH: 0, ACTION: 1, INVALID_TTL: 2, ACTION_SET: 3, GROUP: 4, PACKET_OUT: 5 } as const;
export const OFPPR = { ADD: 0, DELETE: 1, MODIFY: 2 } as const;

export const OFPCR = { NOCHANGE: 0, EQUAL: 1, MASTER: 2, SLAVE: 3 } as const;

/** Switch-config fragment handling and miss_send_len default. */
export const OFPC_FRAG = { NORMAL: 0, DROP: 1, REASM: 2, NX_MATCH: 3 } as const;
export const OFP_DEFAULT_MISS_SEND_LEN = 128;
export const OFPCML_NO_BUFFER = 0xffff;
export const OFP_NO_BUFFER = 0xffffffff;

/** Reserved ports, 16-bit space (what Weft uses internally). */
export const OFPP = {
  MAX: 0xff00, UNSET: 0xfff7, IN_PORT: 0xfff8, TABLE: 0xfff9, NORMAL: 0xfffa, FLOOD: 0xfffb,
  ALL: 0xfffc, CONTROLLER: 0xfffd, LOCAL: 0xfffe, NONE: 0xffff, ANY: 0xffff,
} as const;

const OFPP11_OFFSET = 0xffff0000;
export const OFPP11_MAX = 0xffffff00;

/** 1.1+ wire port to the internal 16-bit number; null if it has none. */
export function port11To10(p: number): number | null {
  if (p < OFPP.MAX) return p;
  if (p >= OFPP11_MAX) return p - OFPP11_OFFSET;
  return null;
}

export function port10To11(p: number): number {
  return p < OFPP.MAX ? p : p + OFPP11_OFFSET;
}

export const OFPTT_ALL = 0xff;
export const OFPG_ANY = 0xffffffff;
export const OFPG_ALL = 0xfffffffc;
export const OFPG_MAX = 0xffffff00;

/** Number of OpenFlow tables a bridge has (0..253); table 254 is OVS's hidden internal table. */
export const N_TABLES = 254;

export const OFPGT = { ALL: 0, SELECT: 1, INDIRECT: 2, FF: 3 } as const;
export const OFPGC = { ADD: 0, MODIFY: 1, DELETE: 2, INSERT_BUCKET: 3, REMOVE_BUCKET: 5 } as const;

export const OFPBCT = {
  OPEN_REQUEST: 0, OPEN_REPLY: 1, CLOSE_REQUEST: 2, CLOSE_REPLY: 3, COMMIT_REQUEST: 4, COMMIT_REPLY: 5,
  DISCARD_REQUEST: 6, DISCARD_REPLY: 7,
} as const;
export const OFPBF = { ATOMIC: 1, ORDERED: 2 } as const;

/** Port config and state bits (1.0 and 1.1+ agree on the ones Weft sets). */
export const OFPPC = { PORT_DOWN: 1 << 0, NO_RECV: 1 << 2, NO_FWD: 1 << 5, NO_PACKET_IN: 1 << 6 } as const;
export const OFPPS = { LINK_DOWN: 1 << 0, LIVE: 1 << 2 } as const;
