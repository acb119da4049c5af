/**
 * The ovs-ofctl flow syntax as a whole (ovs-ofctl(8) "Flow Syntax"): the
 * match (packet/flow-syntax.ts), the non-match keywords (priority,
 * cookie, table, timeouts, importance, flags, out_port, out_group) and
 * `actions=`; and the `dump-flows` line format, statistics included or
 * not (--no-stats), as OVS's ofputil_flow_stats_format prints it.
 *
 * `parseFlowModString` also works out which protocols can carry the flow
 * (OVS's "usable protocols"): OpenFlow 1.0's fixed match, NXM, or OXM;
 * ofctl uses that to pick the encoding, exactly as ovs-ofctl does.
 */
import { FlowSyntaxError, formatMatch, parseMatch } from '../packet/flow-syntax.js';
import { type Match, normalizeMatch } from '../packet/match.js';
import type { OfAction } from './actions.js';
import { ActionSyntaxError, formatActions, parseActions } from './action-syntax.js';
import { FF, OFPG_ANY, OFPP } from './constants.js';
import type { FlowMod, FlowModCommand, FlowStats } from './flow-mod.js';
import { ofp10Representable } from './ofp10-match.js';
import { portFromName } from '../packet/ports.js';

export interface FlowParseOptions {
  readonly portByName?: (name: string) => number | undefined;
}

export interface ParsedFlowMod {
  readonly fm: FlowMod;
  /** Needs NXM or OXM (cannot be an OpenFlow 1.0 ofp_match). */
  readonly needsNxm: boolean;
  /** Needs OpenFlow 1.1+ (out_group, reset_counts...). */
  readonly needsOf11: boolean;
}

const FLAG_WORDS: ReadonlyArray<[string, number]> = [
  ['send_flow_rem', FF.SEND_FLOW_REM], ['check_overlap', FF.CHECK_OVERLAP], ['reset_counts', FF.RESET_COUNTS],
  ['no_packet_counts', FF.NO_PKT_COUNTS], ['no_byte_counts', FF.NO_BYT_COUNTS],
];

function u16(name: string, v: string): number {
  const n = /^0[xX][0-9a-fA-F]+$/.test(v) ? parseInt(v, 16) : /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n > 0xffff) throw new FlowSyntaxError(`invalid ${name} "${v}"`);
  return n;
}

function u64(v: string): bigint {
  if (/^0[xX][0-9a-fA-F]+$/.test(v) || /^\d+$/.test(v)) return BigInt(v);
  if (v === '-1') return 0xffffffffffffffffn;
  throw new FlowSyntaxError(`${v}: invalid cookie`);
}

/** Splits off `actions=...` (which runs to the end of the string). */
export function extractActions(s: string): { rest: string; actions: string | null } {
  const m = /(^|[\s,])actions?\s*[=:]/.exec(s);
  if (!m) return { rest: s, actions: null };
  return { rest: s.slice(0, m.index), actions: s.slice(m.index + m[0].length) };
}

/** Parses a flow as add-flow, mod-flows or del-flows take it. */
export function parseFlowModString(s: string, command: FlowModCommand, opts: FlowParseOptions = {}): ParsedFlowMod {
  const withActions = command === 'add' || command === 'modify' || command === 'modify_strict';
  const { rest, actions } = withActions ? extractActions(s) : { rest: s, actions: null };
  if (withActions && actions === null) throw new FlowSyntaxError('must specify an action');
  let priority = 32768, tableId = 0xff, idle = 0, hard = 0, importance = 0, flags = 0;
  let cookie = 0n, cookieMask = 0n, newCookie: bigint | null = command === 'add' ? 0n : null;
  let outPort: number = OFPP.ANY, outGroup = OFPG_ANY, needsOf11 = false;
  const isDel = command === 'delete' || command === 'delete_strict';
  const match = parseMatch(rest, {
    portByName: opts.portByName,
    onOther: (key, value) => {
      const flag = FLAG_WORDS.find(([w]) => w === key);
      if (flag && withActions) { flags |= flag[1]; if (flag[1] & (FF.RESET_COUNTS | FF.NO_PKT_COUNTS | FF.NO_BYT_COUNTS)) needsOf11 = true; return true; }
      if (key === 'no_readonly_table' || key === 'allow_hidden_fields') return true;
      if (value === null) return false;
      if (value === '') throw new FlowSyntaxError(`field ${key} missing value`);
      switch (key) {
        case 'table': {
          const t = u16('table', value);
          if (t > 255) throw new FlowSyntaxError(`unknown table "${value}"`);
          tableId = t;
          return true;
        }
        case 'priority':
          if (command === 'delete') return false;
          priority = u16('priority', value); return true;
        case 'idle_timeout': if (!withActions) return false; idle = u16('idle_timeout', value); return true;
        case 'hard_timeout': if (!withActions) return false; hard = u16('hard_timeout', value); return true;
        case 'importance': if (command !== 'add') return false; importance = u16('importance', value); return true;
        case 'out_port': {
          if (!isDel) return false;
          const p = /^\d+$/.test(value) ? Number(value) : portFromName(value) ?? opts.portByName?.(value);
          if (p === undefined) throw new FlowSyntaxError(`${value} is not a valid OpenFlow port`);
          outPort = p;
          return true;
        }
        case 'out_group': if (!isDel) return false; outGroup = Number(value); needsOf11 = true; return true;
        case 'cookie': {
          const slash = value.indexOf('/');
          if (slash >= 0) {
            if (command === 'add') throw new FlowSyntaxError('flow additions cannot use a cookie mask');
            cookie = u64(value.slice(0, slash)); cookieMask = u64(value.slice(slash + 1));
          } else {
            if (isDel) throw new FlowSyntaxError(`cannot set cookie (to match on a cookie, specify a mask, e.g. cookie=${value}/-1)`);
            newCookie = u64(value);
          }
          return true;
        }
        case 'duration': case 'n_packets': case 'n_bytes': case 'idle_age': case 'hard_age': return true;
        default: return false;
      }
    },
  });
  if (!cookieMask && newCookie === null && (command === 'modify' || command === 'modify_strict')) newCookie = 0n;
  let acts: OfAction[] = [];
  if (actions !== null) {
    try { acts = parseActions(actions, opts); } catch (e) { if (e instanceof ActionSyntaxError) throw new FlowSyntaxError(e.message); throw e; }
  }
  const norm = normalizeMatch(match);
  const fm: FlowMod = {
    command, match: norm, priority, cookie, cookieMask, newCookie, tableId, idleTimeout: idle, hardTimeout: hard,
    importance, bufferId: 0xffffffff, outPort, outGroup, flags, actions: acts,
  };
  const needsNxm = !ofp10Representable(norm) || cookieMask !== 0n;
  return { fm, needsNxm, needsOf11: needsOf11 || importance !== 0 };
}

function flagsText(flags: number): string {
  return FLAG_WORDS.filter(([, f]) => flags & f).map(([w]) => `${w} `).join('');
}

/** OVS's ofp_print_duration: seconds, then the nanoseconds without trailing zeros. */
export function duration(sec: number, nsec: number): string {
  return nsec > 0 ? `${sec}.${String(nsec).padStart(9, '0').replace(/0+$/, '')}s` : `${sec}s`;
}

export interface FlowFormatOptions {
  readonly showStats: boolean;
  readonly portName?: (port: number) => string | undefined;
}

/** One `dump-flows` line (without the leading space ovs-ofctl adds). */
export function formatFlowStats(fs: FlowStats, opts: FlowFormatOptions): string {
  let s = '';
  if (opts.showStats || fs.cookie) s += `cookie=0x${fs.cookie.toString(16)}, `;
  if (opts.showStats) s += `duration=${duration(fs.durationSec, fs.durationNsec)}, `;
  if (opts.showStats || fs.tableId) s += `table=${fs.tableId}, `;
  if (opts.showStats) s += `n_packets=${fs.packets}, n_bytes=${fs.bytes}, `;
  if (fs.idleTimeout) s += `idle_timeout=${fs.idleTimeout}, `;
  if (fs.hardTimeout) s += `hard_timeout=${fs.hardTimeout}, `;
  if (fs.flags) s += flagsText(fs.flags);
  if (fs.importance) s += `importance=${fs.importance}, `;
  if (opts.showStats && fs.idleAge >= 0) s += `idle_age=${fs.idleAge}, `;
  if (opts.showStats && fs.hardAge >= 0 && fs.hardAge !== fs.durationSec) s += `hard_age=${fs.hardAge}, `;
  const m = formatMatch(fs.match, { priority: fs.priority, portName: opts.portName });
  if (m) s += m + ' ';
  return s + 'actions=' + formatActions(fs.actions, { portName: opts.portName });
}

/** A flow_mod as ovs-ofctl's ofp-print shows it (" ADD priority=... actions=..."). */
export function formatFlowMod(fm: FlowMod, version: number): string {
  const cmd = { add: 'ADD', modify: 'MOD', modify_strict: 'MOD_STRICT', delete: 'DEL', delete_strict: 'DEL_STRICT' }[fm.command];
  let s = ` ${cmd}`;
  if (fm.tableId !== 0) s += ` table:${fm.tableId}`;
  s += ' ';
  s += formatMatch(fm.match, { priority: fm.priority });
  if (!s.endsWith(' ')) s += ' ';
  if (fm.newCookie !== null && fm.newCookie !== 0n) s += `cookie:0x${fm.newCookie.toString(16)} `;
  if (fm.cookieMask) s += `cookie:0x${fm.cookie.toString(16)}/0x${fm.cookieMask.toString(16)} `;
  if (fm.idleTimeout) s += `idle:${fm.idleTimeout} `;
  if (fm.hardTimeout) s += `hard:${fm.hardTimeout} `;
  if (fm.importance) s += `importance:${fm.importance} `;
  if (fm.bufferId !== 0xffffffff) s += `buf:0x${fm.bufferId.toString(16)} `;
  if (fm.outPort !== OFPP.ANY) s += `out_port:${fm.outPort} `;
  s += flagsText(version <= 2 ? fm.flags & ~FF.RESET_COUNTS : fm.flags);
  return s + 'actions=' + formatActions(fm.actions);
}

export type { Match };
