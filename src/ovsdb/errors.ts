/**
 * The closed set of RFC 7047 error names, spelled exactly as ovsdb-server
 * spells them on the wire (clients such as ovs-vsctl and ovn-nbctl match on
 * these strings). An OvsdbError carries one of them plus free-text details;
 * it becomes `{"error": name, "details": text}` in a transaction result or a
 * JSON-RPC error object.
 */
import { ovsJson } from './ovs-json.js';

export type OvsdbErrorName =
  | 'syntax error'
  | 'unknown column'
  | 'unknown table'
  | 'constraint violation'
  | 'referential integrity violation'
  | 'resources exhausted'
  | 'I/O error'
  | 'duplicate uuid-name'
  | 'duplicate uuid'
  | 'unknown function'
  | 'unknown mutator'
  | 'domain error'
  | 'range error'
  | 'timed out'
  | 'not supported'
  | 'aborted'
  | 'not owner'
  | 'unknown database'
  | 'permission error'
  | 'not allowed'
  | 'ovsdb error'
  | 'internal error';

export class OvsdbError extends Error {
  constructor(readonly error: OvsdbErrorName, readonly details = '', readonly syntax?: string) {
    super(details ? `${error}: ${details}` : error);
    this.name = 'OvsdbError';
  }

  toJSON(): { error: string; details?: string; syntax?: string } {
    const o: { error: string; details?: string; syntax?: string } = { error: this.error };
    if (this.details) o.details = this.details;
    if (this.syntax !== undefined) o.syntax = this.syntax;
    return o;
  }
}

/** A "syntax error"; `syntax` is the offending JSON, included as ovsdb-server prints it. */
export function syntaxError(details: string, syntax?: unknown): OvsdbError {
  return new OvsdbError('syntax error', details, syntax === undefined ? undefined : syntaxText(syntax));
}

export function constraintViolation(details: string): OvsdbError {
  return new OvsdbError('constraint violation', details);
}

/** JSON as ovsdb-server puts it in an error's "syntax" member: compact, members sorted, reals as %.15g. */
export function syntaxText(json: unknown): string {
  return ovsJson(json, { sort: true });
}
