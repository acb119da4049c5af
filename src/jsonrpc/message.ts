/**
 * JSON-RPC 1.0 messages as RFC 7047 §4 uses them. A request carries
 * `method`, `params` (an array) and a non-null `id`; a notification is a
 * request whose `id` is null; a reply carries `result`, `error` and the id of
 * the request it answers. Anything else is not a JSON-RPC message, and the
 * peer that sent it gets its connection closed.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export interface Request { kind: 'request'; method: string; params: JsonValue[]; id: JsonValue }
export interface Notification { kind: 'notification'; method: string; params: JsonValue[] }
export interface Reply { kind: 'reply'; result: JsonValue; error: JsonValue; id: JsonValue }
export type Message = Request | Notification | Reply;

export class ProtocolError extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Classifies a parsed JSON value; throws ProtocolError if it is not a JSON-RPC message. */
export function classify(v: unknown): Message {
  if (!isObject(v)) throw new ProtocolError('message is not a JSON object');
  if (typeof v.method === 'string') {
    const params = v.params;
    if (!Array.isArray(params)) throw new ProtocolError('"params" must be an array');
    if (v.id === undefined || v.id === null) {
      return { kind: 'notification', method: v.method, params: params as JsonValue[] };
    }
    return { kind: 'request', method: v.method, params: params as JsonValue[], id: v.id as JsonValue };
  }
  if ('result' in v || 'error' in v) {
    if (v.id === undefined) throw new ProtocolError('reply has no "id"');
    return {
      kind: 'reply',
      result: (v.result ?? null) as JsonValue,
      error: (v.error ?? null) as JsonValue,
      id: v.id as JsonValue,
    };
  }
  throw new ProtocolError('message has neither "method" nor "result"/"error"');
}

export function encodeRequest(method: string, params: JsonValue[], id: JsonValue): string {
  return JSON.stringify({ method, params, id });
}

export function encodeNotification(method: string, params: JsonValue[]): string {
  return JSON.stringify({ id: null, method, params });
}

export function encodeReply(id: JsonValue, result: JsonValue): string {
  return JSON.stringify({ id, result, error: null });
}

export function encodeError(id: JsonValue, error: JsonValue): string {
  return JSON.stringify({ id, result: null, error });
}
