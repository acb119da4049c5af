/**
 * JSON text exactly as Open vSwitch prints it.
 *
 * Open vSwitch keeps JSON objects in a string hash map (`shash`), so when it
 * prints an object the members come out in hash-table order, not in the order
 * they were added. That order is visible to users: `ovsdb-tool create` writes
 * the schema in it, and `ovsdb-tool show-log -m` lists a transaction's tables,
 * rows and columns in it. To print the same bytes, this module models the map:
 *
 * - the hash of a name is a 32-bit Murmur3-style mix of its UTF-8 bytes read
 *   as little-endian words (OVS's portable `hash_bytes`, basis 0; the x86-64
 *   packages are built without the SSE4.2 CRC variant);
 * - an insertion goes to the head of bucket `hash & mask`; after it, when
 *   `floor(n / 2) > mask`, the table grows to the mask `calc_mask(n)` and every
 *   node is moved, walking the old buckets in order, to the head of its new
 *   bucket (so chains reverse on each growth);
 * - iteration walks buckets 0..mask, each chain from its head;
 * - replacing an existing name keeps its node where it is.
 *
 * A JavaScript object parsed from JSON text keeps its members in text order
 * (names that look like array indexes aside, which never occur in OVSDB
 * records: table and column names are identifiers, row names UUIDs), which is
 * exactly the insertion order OVS's parser uses. So `ovsOrder(Object.keys(o))`
 * is the order in which OVS would print or iterate `o` after parsing it.
 *
 * Numbers: integers print as integers; other numbers as C's `%.15g`, which is
 * how OVS prints reals (DBL_DIG digits). Strings escape `"`, `\` and control
 * characters only, as JSON.stringify does, so that is used for them.
 */

/** Iteration order of an OVS shash built by adding `names` in this order. */
export function ovsOrder(names: readonly string[]): string[] {
  let mask = 0;
  let buckets: string[][] = [[]];
  const seen = new Set<string>();
  const hashes = new Map<string, number>();
  let n = 0;
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const h = ovsHashString(name);
    hashes.set(name, h);
    buckets[h & mask]!.unshift(name);
    n++;
    if (Math.floor(n / 2) > mask) {
      const newMask = calcMask(n);
      if (newMask > mask) {
        const next: string[][] = Array.from({ length: newMask + 1 }, () => []);
        for (const chain of buckets) {
          for (const node of chain) next[hashes.get(node)! & newMask]!.unshift(node);
        }
        buckets = next;
        mask = newMask;
      }
    }
  }
  return buckets.flat();
}

/** OVS's `hash_string(s, 0)`: a 32-bit hash of the UTF-8 bytes of `s`. */
export function ovsHashString(s: string): number {
  const bytes = Buffer.from(s, 'utf8');
  let hash = 0;
  let i = 0;
  for (; i + 4 <= bytes.length; i += 4) hash = mhashAdd(hash, bytes.readUInt32LE(i));
  if (i < bytes.length) {
    let tail = 0;
    for (let j = bytes.length - 1; j >= i; j--) tail = (tail << 8) | bytes[j]!;
    hash = mhashAdd(hash, tail >>> 0);
  }
  return mhashFinish((hash ^ bytes.length) >>> 0);
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function mhashAdd(hash: number, data: number): number {
  if (data !== 0) {
    let d = Math.imul(data, 0xcc9e2d51) >>> 0;
    d = rotl(d, 15);
    d = Math.imul(d, 0x1b873593) >>> 0;
    hash = (hash ^ d) >>> 0;
  }
  hash = rotl(hash, 13);
  return (Math.imul(hash, 5) + 0xe6546b64) >>> 0;
}

function mhashFinish(hash: number): number {
  hash = (hash ^ (hash >>> 16)) >>> 0;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash = (hash ^ (hash >>> 13)) >>> 0;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  return (hash ^ (hash >>> 16)) >>> 0;
}

function calcMask(capacity: number): number {
  let mask = Math.floor(capacity / 2);
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  mask |= (mask & 1) << 1;
  return mask >>> 0;
}

export interface OvsJsonOptions {
  /** Members sorted by name (OVS's JSSF_SORT) instead of hash order. */
  sort?: boolean;
}

/**
 * `value` as OVS's `json_to_string` prints it, compactly. Objects print in
 * `ovsOrder` of their own key order, so build them in the order OVS inserts.
 */
export function ovsJson(value: unknown, options: OvsJsonOptions = {}): string {
  const out: string[] = [];
  serialize(value, options.sort === true, out);
  return out.join('');
}

function serialize(v: unknown, sort: boolean, out: string[]): void {
  if (v === null || v === undefined) out.push('null');
  else if (typeof v === 'boolean') out.push(v ? 'true' : 'false');
  else if (typeof v === 'number') out.push(formatNumber(v));
  else if (typeof v === 'string') out.push(JSON.stringify(v));
  else if (Array.isArray(v)) {
    out.push('[');
    v.forEach((e, i) => {
      if (i) out.push(',');
      serialize(e, sort, out);
    });
    out.push(']');
  } else if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = sort ? Object.keys(o).sort(compareBytes) : ovsOrder(Object.keys(o));
    out.push('{');
    keys.forEach((k, i) => {
      if (i) out.push(',');
      out.push(JSON.stringify(k), ':');
      serialize(o[k], sort, out);
    });
    out.push('}');
  } else {
    throw new TypeError(`cannot serialize ${typeof v} as JSON`);
  }
}

/** strcmp order of the UTF-8 encodings. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function formatNumber(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : formatG15(n);
}

/** C's `printf("%.15g", x)`. */
export function formatG15(x: number): string {
  if (Number.isNaN(x)) return x < 0 ? '-nan' : 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mant, expText] = x.toExponential(14).split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 15) {
    const m = stripZeros(mant);
    const e = Math.abs(exp);
    return `${m}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  return stripZeros(x.toFixed(14 - exp));
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/**
 * The message OVS's JSON parser gives for `text`, which JSON.parse rejected
 * with `e`: "line L, column C, byte B: <what>". The position and the common
 * cases (empty input, unexpected end, a bad keyword, trailing garbage) match
 * OVS; rarer mistakes get a generic wording.
 */
export function jsonParseErrorText(text: string, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const posMatch = /position (\d+)/.exec(msg);
  const firstToken = text.search(/\S/);
  let pos = posMatch ? Number(posMatch[1]) : text.length;
  if (/end of (JSON )?input/i.test(msg)) pos = text.length;
  else if (!posMatch && firstToken >= 0) pos = firstToken;
  let what: string;
  if (text.trim() === '') what = 'empty input stream';
  else if (pos >= text.length) { pos = text.length; what = 'unexpected end of input'; }
  else if (/[a-z]/.test(text[pos]!)) {
    const word = /^[A-Za-z0-9_]+/.exec(text.slice(pos))![0];
    pos += word.length;
    what = `invalid keyword '${word}'`;
  } else if (!/[\s{}[\],:"\-0-9]/.test(text[pos]!)) {
    const c = text.codePointAt(pos)!;
    what = c >= 0x20 && c < 0x7f ? `invalid character '${text[pos]}'` : `invalid character U+${c.toString(16).padStart(4, '0')}`;
  } else if (/non-whitespace/.test(msg)) what = 'trailing garbage at end of input';
  else what = 'syntax error expecting value';
  const before = text.slice(0, pos);
  const line = before.split('\n').length - 1;
  const column = pos - (before.lastIndexOf('\n') + 1);
  return `line ${line}, column ${column}, byte ${Buffer.byteLength(before)}: ${what}`;
}
