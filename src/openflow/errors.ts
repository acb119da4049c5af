/**
 * OpenFlow's error catalogue: every error Weft sends or understands, by
 * the name Open vSwitch and the specifications give it (OFPBRC_BAD_LEN,
 * OFPFMFC_OVERLAP, NXBRC_NXM_INVALID...), with its wire encoding in each
 * protocol version.
 *
 * Encodings differ by version, in the notation OVS's documentation uses:
 *   OF1.0+(1,6)       plain type/code in every version from 1.0;
 *   NX1.0-1.1(1,512)  a Nicira vendor error: in 1.0/1.1 an NXET_VENDOR
 *                     error wrapping {vendor, type, code};
 *   NX1.2+(4)         from 1.2 an OFPET_EXPERIMENTER error whose
 *                     exp_type is 4 and experimenter is Nicira's id;
 *   ONF1.3(2300)      the same with the ONF experimenter id.
 * An error with no encoding in a version is sent as
 * NXBRC_UNENCODABLE_ERROR, as OVS does.
 *
 * `OfError` is the one exception the OpenFlow code raises for a request
 * that must be refused; the session catches it and answers with an
 * OFPT_ERROR whose data is the offending request, verbatim.
 */
import { NX_VENDOR_ID, ONF_VENDOR_ID, OFP10 } from './constants.js';

const CATALOGUE: Readonly<Record<string, string>> = {
  OFPHFC_INCOMPATIBLE: 'OF1.0+(0,0)', OFPHFC_EPERM: 'OF1.0+(0,1)',
  OFPBRC_BAD_VERSION: 'OF1.0+(1,0)', OFPBRC_BAD_TYPE: 'OF1.0+(1,1)', OFPBRC_BAD_STAT: 'OF1.0+(1,2)',
  OFPBRC_BAD_VENDOR: 'OF1.0+(1,3)', OFPBRC_BAD_SUBTYPE: 'OF1.0+(1,4)', OFPBRC_EPERM: 'OF1.0+(1,5)',
  OFPBRC_BAD_LEN: 'OF1.0+(1,6)', OFPBRC_BUFFER_EMPTY: 'OF1.0+(1,7)', OFPBRC_BUFFER_UNKNOWN: 'OF1.0+(1,8)',
  OFPBRC_BAD_TABLE_ID: 'NX1.0(1,512) OF1.1+(1,9)', OFPBRC_IS_SECONDARY: 'OF1.0-1.1(1,5) OF1.2+(1,10)',
  OFPBRC_BAD_PORT: 'NX1.0-1.1(1,514) OF1.2+(1,11)', OFPBRC_BAD_PACKET: 'OF1.2+(1,12)',
  OFPBRC_MULTIPART_BUFFER_OVERFLOW: 'OF1.3+(1,13)',
  NXBRC_NXM_INVALID: 'NX1.0-1.1(1,256) NX1.2+(2)', NXBRC_NXM_BAD_TYPE: 'NX1.0-1.1(1,257) NX1.2+(3)',
  NXBRC_MUST_BE_ZERO: 'NX1.0-1.1(1,515) NX1.2+(4)', NXBRC_BAD_REASON: 'NX1.0-1.1(1,516) NX1.2+(5)',
  NXBRC_UNENCODABLE_ERROR: 'NX1.0-1.1(1,521) NX1.2+(10)',
  OFPBAC_BAD_TYPE: 'OF1.0+(2,0)', OFPBAC_BAD_LEN: 'OF1.0+(2,1)', OFPBAC_BAD_VENDOR: 'OF1.0+(2,2)',
  OFPBAC_BAD_VENDOR_TYPE: 'OF1.0+(2,3)', OFPBAC_BAD_OUT_PORT: 'OF1.0+(2,4)', OFPBAC_BAD_ARGUMENT: 'OF1.0+(2,5)',
  OFPBAC_EPERM: 'OF1.0+(2,6)', OFPBAC_TOO_MANY: 'OF1.0+(2,7)', OFPBAC_BAD_QUEUE: 'OF1.0+(2,8)',
  OFPBAC_BAD_OUT_GROUP: 'NX1.0(2,9) OF1.1+(2,9)', OFPBAC_MATCH_INCONSISTENT: 'NX1.0(1,522) OF1.1+(2,10)',
  OFPBAC_UNSUPPORTED_ORDER: 'OF1.1+(2,11)', OFPBAC_BAD_TAG: 'OF1.1+(2,12)',
  OFPBAC_BAD_SET_TYPE: 'NX1.0-1.1(1,523) OF1.2+(2,13)', OFPBAC_BAD_SET_LEN: 'NX1.0-1.1(1,524) OF1.2+(2,14)',
  OFPBAC_BAD_SET_ARGUMENT: 'NX1.0-1.1(1,525) OF1.2+(2,15)', OFPBAC_BAD_SET_MASK: 'ONF1.3-1.4(4250) OF1.5+(2,16)',
  OFPBAC_BAD_METER: 'OF1.5+(2,17)',
  NXBAC_MUST_BE_ZERO: 'NX1.0-1.1(2,256) NX1.2+(11)',
  OFPBIC_UNKNOWN_INST: 'OF1.1+(3,0)', OFPBIC_UNSUP_INST: 'NX1.0(2,257) OF1.1+(3,1)', OFPBIC_BAD_TABLE_ID: 'OF1.1+(3,2)',
  OFPBIC_UNSUP_METADATA: 'OF1.1+(3,3)', OFPBIC_UNSUP_METADATA_MASK: 'OF1.1+(3,4)',
  OFPBIC_BAD_EXPERIMENTER: 'OF1.1+(3,5)', OFPBIC_BAD_EXP_TYPE: 'OF1.1(3,5) OF1.2+(3,6)', OFPBIC_BAD_LEN: 'OF1.2+(3,7)',
  OFPBIC_EPERM: 'OF1.2+(3,8)', OFPBIC_DUP_INST: 'NX1.1(3,256) ONF1.2-1.3(2600) OF1.4+(3,9)',
  OFPBMC_BAD_TYPE: 'OF1.1+(4,0)', OFPBMC_BAD_LEN: 'OF1.1+(4,1)', OFPBMC_BAD_TAG: 'OF1.1+(4,2)',
  OFPBMC_BAD_DL_ADDR_MASK: 'OF1.1+(4,3)', OFPBMC_BAD_NW_ADDR_MASK: 'OF1.1+(4,4)',
  OFPBMC_BAD_WILDCARDS: 'NX1.0(1,262) OF1.1+(4,5)', OFPBMC_BAD_FIELD: 'NX1.0(0,263) OF1.1+(4,6)',
  OFPBMC_BAD_VALUE: 'NX1.0(1,258) OF1.1+(4,7)', OFPBMC_BAD_MASK: 'NX1.0-1.1(1,259) OF1.2+(4,8)',
  OFPBMC_BAD_PREREQ: 'NX1.0-1.1(1,260) OF1.2+(4,9)', OFPBMC_DUP_FIELD: 'NX1.0-1.1(1,261) OF1.2+(4,10)',
  OFPBMC_EPERM: 'OF1.2+(4,11)',
  OFPFMFC_UNKNOWN: 'OF1.1+(5,0)', OFPFMFC_TABLE_FULL: 'OF1.0(3,0) OF1.1+(5,1)', OFPFMFC_BAD_TABLE_ID: 'OF1.1+(5,2)',
  OFPFMFC_OVERLAP: 'OF1.0(3,1) OF1.1+(5,3)', OFPFMFC_EPERM: 'OF1.0(3,2) OF1.1+(5,4)',
  OFPFMFC_BAD_TIMEOUT: 'OF1.1+(5,5)', OFPFMFC_BAD_EMERG_TIMEOUT: 'OF1.0(3,3)',
  OFPFMFC_BAD_COMMAND: 'OF1.0(3,4) OF1.1+(5,6)', OFPFMFC_BAD_FLAGS: 'NX1.0(3,258) NX1.1(5,258) OF1.2+(5,7)',
  OFPFMFC_BAD_PRIORITY: 'ONF1.3(2360) OF1.4+(5,9)', OFPFMFC_UNSUPPORTED: 'OF1.0(3,5)',
  NXFMFC_HARDWARE: 'NX1.0-1.1(5,256) NX1.2+(12)', NXFMFC_BAD_TABLE_ID: 'NX1.0-1.1(5,257) NX1.2+(13)',
  OFPGMFC_GROUP_EXISTS: 'NX1.0(6,0) OF1.1+(6,0)', OFPGMFC_INVALID_GROUP: 'NX1.0(6,1) OF1.1+(6,1)',
  OFPGMFC_WEIGHT_UNSUPPORTED: 'NX1.0(6,2) OF1.1+(6,2)', OFPGMFC_OUT_OF_GROUPS: 'NX1.0(6,3) OF1.1+(6,3)',
  OFPGMFC_OUT_OF_BUCKETS: 'NX1.0(6,4) OF1.1+(6,4)', OFPGMFC_CHAINING_UNSUPPORTED: 'NX1.0(6,5) OF1.1+(6,5)',
  OFPGMFC_WATCH_UNSUPPORTED: 'NX1.0(6,6) OF1.1+(6,6)', OFPGMFC_LOOP: 'NX1.0(6,7) OF1.1+(6,7)',
  OFPGMFC_UNKNOWN_GROUP: 'NX1.0(6,8) OF1.1+(6,8)', OFPGMFC_CHAINED_GROUP: 'NX1.0(6,9) OF1.2+(6,9)',
  OFPGMFC_BAD_TYPE: 'NX1.0(6,10) OF1.2+(6,10)', OFPGMFC_BAD_COMMAND: 'NX1.0(6,11) OF1.2+(6,11)',
  OFPGMFC_BAD_BUCKET: 'NX1.0(6,12) OF1.2+(6,12)', OFPGMFC_BAD_WATCH: 'NX1.0(6,13) OF1.2+(6,13)',
  OFPGMFC_EPERM: 'NX1.0(6,14) OF1.2+(6,14)',
  OFPPMFC_BAD_PORT: 'OF1.0(4,0) OF1.1+(7,0)', OFPPMFC_BAD_HW_ADDR: 'OF1.0(4,1) OF1.1+(7,1)',
  OFPPMFC_BAD_CONFIG: 'OF1.1+(7,2)', OFPPMFC_BAD_ADVERTISE: 'OF1.1+(7,3)', OFPPMFC_EPERM: 'OF1.2+(7,4)',
  OFPTMFC_BAD_TABLE: 'OF1.1+(8,0)', OFPTMFC_BAD_CONFIG: 'OF1.1+(8,1)', OFPTMFC_EPERM: 'OF1.2+(8,2)',
  OFPQOFC_BAD_PORT: 'OF1.0(5,0) OF1.1+(9,0)', OFPQOFC_BAD_QUEUE: 'OF1.0(5,1) OF1.1+(9,1)',
  OFPSCFC_BAD_FLAGS: 'OF1.1+(10,0)', OFPSCFC_BAD_LEN: 'OF1.1+(10,1)', OFPSCFC_EPERM: 'OF1.2+(10,2)',
  OFPRRFC_STALE: 'OF1.2+(11,0)', OFPRRFC_UNSUP: 'OF1.2+(11,1)', OFPRRFC_BAD_ROLE: 'NX1.0-1.1(1,513) OF1.2+(11,2)',
  OFPMMFC_UNKNOWN: 'OF1.3+(12,0)', OFPMMFC_METER_EXISTS: 'OF1.3+(12,1)', OFPMMFC_INVALID_METER: 'OF1.3+(12,2)',
  OFPMMFC_UNKNOWN_METER: 'OF1.3+(12,3)', OFPMMFC_BAD_COMMAND: 'OF1.3+(12,4)', OFPMMFC_OUT_OF_METERS: 'OF1.3+(12,10)',
  OFPTFFC_BAD_TABLE: 'OF1.3+(13,0)', OFPTFFC_BAD_METADATA: 'OF1.3+(13,1)', OFPTFFC_EPERM: 'OF1.3+(13,5)',
  OFPBPC_BAD_TYPE: 'NX1.0-1.1(13,2) NX1.2(25) OF1.3(13,2) OF1.4+(14,0)',
  OFPBPC_BAD_LEN: 'NX1.0-1.1(13,3) NX1.2(26) OF1.3(13,3) OF1.4+(14,1)',
  OFPBPC_BAD_VALUE: 'NX1.0-1.1(13,4) NX1.2(27) OF1.3(13,4) OF1.4+(14,2)',
  OFPBFC_UNKNOWN: 'ONF1.3(2300) OF1.4+(17,0)', OFPBFC_EPERM: 'ONF1.3(2301) OF1.4+(17,1)',
  OFPBFC_BAD_ID: 'ONF1.3(2302) OF1.4+(17,2)', OFPBFC_BUNDLE_EXIST: 'ONF1.3(2303) OF1.4+(17,3)',
  OFPBFC_BUNDLE_CLOSED: 'ONF1.3(2304) OF1.4+(17,4)', OFPBFC_OUT_OF_BUNDLES: 'ONF1.3(2305) OF1.4+(17,5)',
  OFPBFC_BAD_TYPE: 'ONF1.3(2306) OF1.4+(17,6)', OFPBFC_BAD_FLAGS: 'ONF1.3(2307) OF1.4+(17,7)',
  OFPBFC_MSG_BAD_LEN: 'ONF1.3(2308) OF1.4+(17,8)', OFPBFC_MSG_BAD_XID: 'ONF1.3(2309) OF1.4+(17,9)',
  OFPBFC_MSG_UNSUP: 'ONF1.3(2310) OF1.4+(17,10)', OFPBFC_MSG_CONFLICT: 'ONF1.3(2311) OF1.4+(17,11)',
  OFPBFC_MSG_TOO_MANY: 'ONF1.3(2312) OF1.4+(17,12)', OFPBFC_MSG_FAILED: 'ONF1.3(2313) OF1.4+(17,13)',
  OFPBFC_TIMEOUT: 'ONF1.3(2314) OF1.4+(17,14)', OFPBFC_BUNDLE_IN_PROGRESS: 'ONF1.3(2315) OF1.4+(17,15)',
  OFPMOFC_UNKNOWN: 'OF1.4+(16,0)', OFPMOFC_MONITOR_EXISTS: 'NX1.0-1.1(1,517) NX1.2-1.3(6) OF1.4+(16,1)',
  OFPMOFC_BAD_FLAGS: 'NX1.0-1.1(1,518) NX1.2-1.3(7) OF1.4+(16,5)',
  OFPMOFC_UNKNOWN_MONITOR: 'NX1.0-1.1(1,519) NX1.2-1.3(8) OF1.4+(16,3)',
  NXR_NOT_SUPPORTED: 'NX1.0-1.1(1,533) NX1.2+(34)', NXR_STALE: 'NX1.0-1.1(1,535) NX1.2+(35)',
};

export type OfErrorName = keyof typeof CATALOGUE & string;

/** One wire encoding: vendor 0 for plain type/code. */
interface Triplet { readonly vendor: number; readonly type: number; readonly code: number }

const BY_VERSION = new Map<number, Map<string, Triplet>>();
const BY_WIRE = new Map<string, string>();

function wireKey(version: number, t: Triplet): string {
  return `${version}/${t.vendor}/${t.type}/${t.code}`;
}

for (const [name, spec] of Object.entries(CATALOGUE)) {
  for (const part of spec.split(' ')) {
    const m = /^(OF|NX|ONF)1\.(\d)(\+|-1\.(\d))?\((\d+)(?:,(\d+))?\)$/.exec(part);
    if (!m) throw new Error(`bad error catalogue entry ${name}: ${part}`);
    const lo = Number(m[2]) + 1, hi = m[3] === '+' ? 6 : m[4] !== undefined ? Number(m[4]) + 1 : lo;
    const vendor = m[1] === 'OF' ? 0 : m[1] === 'NX' ? NX_VENDOR_ID : ONF_VENDOR_ID;
    const t: Triplet = m[6] !== undefined ? { vendor, type: Number(m[5]), code: Number(m[6]) } : { vendor, type: Number(m[5]), code: 0 };
    for (let v = lo; v <= hi; v++) {
      let map = BY_VERSION.get(v);
      if (!map) BY_VERSION.set(v, map = new Map());
      map.set(name, t);
      // Two names for one code (OFPBRC_EPERM and OFPBRC_IS_SECONDARY in 1.0): the first listed wins, as in OVS.
      if (!BY_WIRE.has(wireKey(v, t))) BY_WIRE.set(wireKey(v, t), name);
    }
  }
}

/** A refusal in OpenFlow's own terms. `detail` is for logs only; it never goes on the wire. */
export class OfError extends Error {
  override readonly name = 'OfError';
  constructor(readonly error: OfErrorName, readonly detail?: string) {
    super(detail ? `${error}: ${detail}` : error);
  }
}

export function isOfErrorName(s: string): s is OfErrorName {
  return Object.prototype.hasOwnProperty.call(CATALOGUE, s);
}

export const OFPET_EXPERIMENTER = 0xffff;
export const NXET_VENDOR = 0xb0c2;

/** The type/code words and vendor body that encode `name` in `version` (OVS's fallback when it has none). */
export function errorWire(version: number, name: OfErrorName): { type: number; code: number; vendorBody: Uint8Array | null } {
  const map = BY_VERSION.get(version) ?? BY_VERSION.get(OFP10)!;
  const t = map.get(name) ?? map.get('NXBRC_UNENCODABLE_ERROR')!;
  if (t.vendor === 0) return { type: t.type, code: t.code, vendorBody: null };
  if (version <= 2) {
    const b = new Uint8Array(8);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, t.vendor); dv.setUint16(4, t.type); dv.setUint16(6, t.code);
    return { type: NXET_VENDOR, code: 0, vendorBody: b };
  }
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, t.vendor);
  return { type: OFPET_EXPERIMENTER, code: t.type, vendorBody: b };
}

/** The name of a received error, or a description like OVS's for an unknown one. */
export function errorName(version: number, type: number, code: number, body: Uint8Array): { name: string | null; dataOffset: number } {
  if (type === NXET_VENDOR && version <= 2 && body.length >= 8) {
    const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const t = { vendor: dv.getUint32(0), type: dv.getUint16(4), code: dv.getUint16(6) };
    return { name: BY_WIRE.get(wireKey(version, t)) ?? null, dataOffset: 8 };
  }
  if (type === OFPET_EXPERIMENTER && version >= 3 && body.length >= 4) {
    const vendor = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0);
    return { name: BY_WIRE.get(wireKey(version, { vendor, type: code, code: 0 })) ?? null, dataOffset: 4 };
  }
  return { name: BY_WIRE.get(wireKey(version, { vendor: 0, type, code })) ?? null, dataOffset: 0 };
}
