/**
 * What a vsctl command sees while it runs: its words and options, the
 * snapshot and transaction, the `@name` symbol table, the bridge cache, and
 * where its output goes. Also the two ways a command stops early: a fatal
 * error (`VsctlError`, printed as `ovs-vsctl: MESSAGE`, exit 1, nothing
 * applied) and `try again` (wait-until: rerun the chain when the database
 * changes).
 */
import { randomUUID } from 'node:crypto';
import type { BaseType } from '../ovsdb/types.js';
import type { Snapshot, TxnRow } from './snapshot.js';
import type { SymbolTable } from './values.js';
import type { OutputTable } from './table-format.js';
import type { Logger } from './log.js';
import type { VsctlCache } from './cache.js';

/** ctl_fatal(): the message is printed after the program name; exit status 1 unless stated. */
export class VsctlError extends Error {
  constructor(message: string, readonly status = 1) { super(message); }
}

export type Mode = 'RO' | 'RW';

export interface CommandSyntax {
  readonly name: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly usage: string;
  /** Comma-separated options, each `--name`, `--name=` (takes a value) or `--name?` (optional value). */
  readonly options: string;
  readonly mode: Mode;
  /** Checks that need only the schema (run before connecting, like ovs-vsctl's prerequisites). */
  readonly pre?: (ctx: PreContext) => void;
  readonly run?: (ctx: Context) => void;
  /** After a successful commit (e.g. `create` prints the row's final uuid). */
  readonly post?: (ctx: Context, insertedUuid: (provisional: string) => string | undefined) => void;
}

export interface Command {
  readonly syntax: CommandSyntax;
  /** argv[0] is the command name. */
  readonly argv: string[];
  /** Options in the order given, `--name` → value or null. */
  readonly options: Map<string, string | null>;
  output: string;
  table: OutputTable | null;
}

export interface PreContext {
  readonly cmd: Command;
  readonly schema: import('../ovsdb/schema.js').DatabaseSchema;
  readonly log: Logger;
}

export interface Symbol {
  uuid: string;
  created: boolean;
  strongRef: boolean;
  weakRef: boolean;
}

export class Symbols implements SymbolTable {
  readonly map = new Map<string, Symbol>();

  get(name: string): Symbol | undefined {
    return this.map.get(name);
  }

  insert(name: string): Symbol {
    let s = this.map.get(name);
    if (!s) {
      s = { uuid: randomUUID(), created: false, strongRef: false, weakRef: false };
      this.map.set(name, s);
    }
    return s;
  }

  reference(name: string, base: BaseType): string {
    const s = this.insert(name);
    if (base.refTable) {
      if (base.refType === 'weak') s.weakRef = true; else s.strongRef = true;
    }
    return s.uuid;
  }
}

export interface Context {
  readonly cmd: Command;
  readonly snap: Snapshot;
  readonly symtab: Symbols;
  readonly log: Logger;
  /** True for the last command of the chain (its map/set additions become partial updates). */
  readonly last: boolean;
  /** The Open_vSwitch row (inserted when the database has none). */
  readonly ovs: TxnRow;
  cache: VsctlCache | null;
  /** Interfaces created by this chain, checked after ovs-vswitchd reconfigures. */
  readonly newIfaces: string[];
  tryAgain: boolean;
  /** ovs-vsctl's verify_ports() is done at most once per command. */
  verifiedPorts: boolean;
}

export function hasOption(ctx: { cmd: Command }, name: string): boolean {
  return ctx.cmd.options.has(name);
}

export function optionValue(ctx: { cmd: Command }, name: string): string | undefined {
  const v = ctx.cmd.options.get(name);
  return v === null ? undefined : v;
}

/** Drops the cached bridge/port/interface structure after a generic database change. */
export function invalidateCache(ctx: Context): void {
  ctx.cache = null;
}
