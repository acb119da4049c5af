/**
 * OpenFlow actions as the switch keeps them (after OVS's "ofpacts"): one
 * version-independent list per rule, which the codecs decode from and
 * encode to each protocol version, the syntax layer parses and prints,
 * and translation (xlate) executes.
 *
 * The list is flat: apply-actions first, then the instruction-like
 * entries (meter, clear_actions, write_actions, write_metadata,
 * goto_table) in OpenFlow 1.3's instruction order. OpenFlow 1.0 has no
 * instructions; its encoder turns goto_table into resubmit and
 * write_metadata into NXAST_WRITE_METADATA, as OVS does.
 *
 * Some actions remember how they arrived (`raw`), because OVS prints and
 * re-encodes them accordingly: NXAST_REG_LOAD prints as `load:`,
 * OFPAT_SET_FIELD as `set_field:`; OpenFlow 1.0's strip_vlan and 1.1's
 * pop_vlan are one action printed two ways.
 *
 * Reserved output ports are their own actions (normal, flood, all,
 * in_port) so translation switches on them directly; output to LOCAL,
 * CONTROLLER or TABLE stays an `output` with that port number.
 */

/** A bit range of a field, by field name (fields.ts): NXM_NX_REG0[0..3]. */
export interface Subfield {
  readonly field: string;
  readonly ofs: number;
  readonly nBits: number;
}

export type LearnSpec =
  | { readonly kind: 'match_field'; readonly dst: Subfield; readonly src: Subfield }
  | { readonly kind: 'match_imm'; readonly dst: Subfield; readonly value: bigint }
  | { readonly kind: 'load_field'; readonly dst: Subfield; readonly src: Subfield }
  | { readonly kind: 'load_imm'; readonly dst: Subfield; readonly value: bigint }
  | { readonly kind: 'output'; readonly src: Subfield };

export interface LearnAction {
  readonly t: 'learn';
  readonly table: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly finIdleTimeout: number;
  readonly finHardTimeout: number;
  readonly priority: number;
  readonly cookie: bigint;
  /** NX_LEARN_F_*: 1 send_flow_rem, 2 delete_learned. */
  readonly flags: number;
  readonly specs: readonly LearnSpec[];
}

export interface ControllerAction {
  readonly t: 'controller';
  readonly maxLen: number;
  readonly reason: number;
  readonly controllerId: number;
  readonly userdata: Uint8Array | null;
  readonly pause: boolean;
  readonly meterId: number | null;
  /** Arrived as NXAST_CONTROLLER2 (re-encoded the same way). */
  readonly v2: boolean;
}

export type OfAction =
  | { readonly t: 'normal' }
  | { readonly t: 'flood' }
  | { readonly t: 'all' }
  | { readonly t: 'in_port' }
  /** Output to a port, LOCAL, CONTROLLER (with maxLen) or TABLE (packet-out). */
  | { readonly t: 'output'; readonly port: number; readonly maxLen?: number }
  | ControllerAction
  | { readonly t: 'enqueue'; readonly port: number; readonly queue: number }
  | { readonly t: 'mod_vlan_vid'; readonly vid: number; readonly pushIfNeeded?: boolean }
  | { readonly t: 'mod_vlan_pcp'; readonly pcp: number; readonly pushIfNeeded?: boolean }
  | { readonly t: 'strip_vlan'; readonly raw?: 'strip' | 'pop' }
  | { readonly t: 'push_vlan'; readonly ethertype: number }
  | { readonly t: 'mod_dl_src'; readonly mac: number }
  | { readonly t: 'mod_dl_dst'; readonly mac: number }
  | { readonly t: 'mod_nw_src'; readonly ip: number }
  | { readonly t: 'mod_nw_dst'; readonly ip: number }
  | { readonly t: 'mod_nw_tos'; readonly tos: number }
  | { readonly t: 'mod_nw_ecn'; readonly ecn: number }
  | { readonly t: 'mod_nw_ttl'; readonly ttl: number }
  | { readonly t: 'mod_tp_src'; readonly port: number }
  | { readonly t: 'mod_tp_dst'; readonly port: number }
  | { readonly t: 'dec_ttl'; readonly ids: readonly number[]; readonly explicitIds: boolean }
  /** set_field / load: writes `value` under `mask` (both field-relative) into field `field`. */
  | { readonly t: 'set_field'; readonly field: string; readonly value: bigint; readonly mask: bigint; readonly raw: 'set_field' | 'load' | 'load2' }
  | { readonly t: 'move'; readonly src: Subfield; readonly dst: Subfield }
  | { readonly t: 'set_tunnel'; readonly tunId: bigint; readonly wide: boolean }
  | { readonly t: 'set_queue'; readonly queue: number }
  | { readonly t: 'pop_queue' }
  /** resubmit(port,table): port 0xfff8 (IN_PORT) and table 255 mean "unchanged". */
  | { readonly t: 'resubmit'; readonly port: number; readonly table: number; readonly ct: boolean; readonly short: boolean }
  | { readonly t: 'group'; readonly group: number }
  | LearnAction
  | { readonly t: 'note'; readonly data: Uint8Array }
  | { readonly t: 'exit' }
  // Instructions, in this order, after every apply-action.
  | { readonly t: 'meter'; readonly meter: number }
  | { readonly t: 'clear_actions' }
  | { readonly t: 'write_actions'; readonly actions: readonly OfAction[] }
  | { readonly t: 'write_metadata'; readonly metadata: bigint; readonly mask: bigint }
  | { readonly t: 'goto_table'; readonly table: number };

export type OfActionType = OfAction['t'];

/** Instruction-like actions and their required order (OpenFlow 1.3 §5.9). */
export const INSTRUCTION_ORDER: readonly OfActionType[] = ['meter', 'clear_actions', 'write_actions', 'write_metadata', 'goto_table'];

export function isInstruction(a: OfAction): boolean {
  return INSTRUCTION_ORDER.includes(a.t);
}

export const NX_LEARN_F_SEND_FLOW_REM = 1;
export const NX_LEARN_F_DELETE_LEARNED = 2;

/** Output port an action list sends to, for flow_mod/stats out_port filters (OVS's ofpacts_output_to_port). */
export function actionsOutputTo(actions: readonly OfAction[], port: number): boolean {
  for (const a of actions) {
    switch (a.t) {
      case 'output': case 'enqueue': if (a.port === port) return true; break;
      case 'normal': if (port === 0xfffa) return true; break;
      case 'flood': if (port === 0xfffb) return true; break;
      case 'all': if (port === 0xfffc) return true; break;
      case 'in_port': if (port === 0xfff8) return true; break;
      case 'controller': if (port === 0xfffd) return true; break;
      case 'write_actions': if (actionsOutputTo(a.actions, port)) return true; break;
      default: break;
    }
  }
  return false;
}

export function actionsOutputToGroup(actions: readonly OfAction[], group: number): boolean {
  for (const a of actions) {
    if (a.t === 'group' && a.group === group) return true;
    if (a.t === 'write_actions' && actionsOutputToGroup(a.actions, group)) return true;
  }
  return false;
}

function bytesEqual(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Structural equality of two action lists (for --readd and modify no-ops). */
export function actionsEqual(a: readonly OfAction[], b: readonly OfAction[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => JSON.stringify(x, replacer) === JSON.stringify(b[i], replacer));
}

function replacer(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return [...v];
  return v;
}

export { bytesEqual };
