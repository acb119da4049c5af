/**
 * The member parser ovsdb-server runs over every JSON object of a request
 * (an operation of a transaction, say): members are fetched one by one with
 * the JSON types they may have, the first problem wins, and at the end any
 * member nobody fetched is an error too. The error texts and their order are
 * visible to clients, so this follows ovsdb-server exactly:
 *
 *   Parsing ovsdb operation 1 of 2 failed: Required 'where' member is missing.
 *   Parsing ovsdb operation 1 of 2 failed: Type mismatch for member 'uuid-name'.
 *   Parsing ovsdb operation 1 of 2 failed: Member 'x' is present but not allowed here.
 *
 * each with the whole object, members sorted, as the error's "syntax". When
 * several members are left over, the one named is the first in ovsdb-server's
 * hash order of the object's members (`ovsOrder`).
 */
import { OvsdbError, syntaxError } from './errors.js';
import { ovsOrder } from './ovs-json.js';

/** The JSON types a member may have (ovsdb-server's OP_* flags); combine with `|`. */
export const OP = {
  NULL: 1, FALSE: 2, TRUE: 4, OBJECT: 8, ARRAY: 16, STRING: 32, INTEGER: 64, REAL: 128,
  BOOLEAN: 2 | 4,
  NUMBER: 64 | 128,
  /** A string that is an identifier: a letter or underscore, then letters, digits, underscores. */
  ID: 256,
  OPTIONAL: 512,
} as const;

const ID_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isId(s: string): boolean {
  return ID_RE.test(s);
}

function typeBit(v: unknown): number {
  if (v === null) return OP.NULL;
  if (v === false) return OP.FALSE;
  if (v === true) return OP.TRUE;
  if (Array.isArray(v)) return OP.ARRAY;
  if (typeof v === 'object') return OP.OBJECT;
  if (typeof v === 'string') return OP.STRING;
  if (typeof v === 'number') return Number.isInteger(v) ? OP.INTEGER : OP.REAL;
  return 0;
}

export class MemberParser {
  private readonly used = new Set<string>();
  private err: OvsdbError | null = null;
  private readonly obj: Record<string, unknown> | null;

  /** `what` names the object in errors: "ovsdb operation 1 of 2". */
  constructor(readonly json: unknown, private readonly what: string) {
    this.obj = typeof json === 'object' && json !== null && !Array.isArray(json) ? json as Record<string, unknown> : null;
    if (!this.obj) this.raise('Object expected.');
  }

  /** The member's value, or undefined (after recording an error unless it is optional and absent). */
  member(name: string, types: number): unknown {
    if (!this.obj) return undefined;
    if (!Object.hasOwn(this.obj, name)) {
      if (!(types & OP.OPTIONAL)) this.raise(`Required '${name}' member is missing.`);
      return undefined;
    }
    const v = this.obj[name];
    if ((types & typeBit(v)) || (types & OP.ID && typeof v === 'string' && isId(v))) {
      this.used.add(name);
      return v;
    }
    this.raise(`Type mismatch for member '${name}'.`);
    return undefined;
  }

  /** Records an error about the object (only the first one counts). */
  raise(message: string): void {
    this.err ??= syntaxError(`Parsing ${this.what} failed: ${message}`, this.obj ?? undefined);
  }

  get error(): OvsdbError | null {
    return this.err;
  }

  /** Throws the recorded error, if any. */
  check(): void {
    if (this.err) throw this.err;
  }

  /** The recorded error, or, if none, one for the first member never fetched. */
  finish(): OvsdbError | null {
    if (!this.err && this.obj) {
      const keys = Object.keys(this.obj);
      const unused = keys.filter((k) => !this.used.has(k));
      if (unused.length === 1) this.raise(`Member '${unused[0]}' is present but not allowed here.`);
      else if (unused.length > 1) {
        const first = ovsOrder(keys).find((k) => !this.used.has(k))!;
        const others = unused.length - 1;
        this.raise(`Member '${first}' and ${others} other member${others > 1 ? 's' : ''} are present but not allowed here.`);
      }
    }
    return this.err;
  }
}
