/**
 * The iteration order of Open vSwitch's `struct hmap`, for the few outputs
 * where ovs-vsctl prints a hash map in its own order (an smap of
 * string→string such as Datapath capabilities). Buckets are visited in
 * index order; a bucket lists its nodes newest first; the table grows as
 * OVS's does (lib/hmap.c), which re-inserts nodes and so reorders them.
 * Strings hash with OVS's murmur-based hash_bytes (the generic build, as
 * distributions ship it).
 */
const mul = (a: number, b: number): number => Math.imul(a, b) >>> 0;
const rot = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

function mhashAdd(hash: number, data: number): number {
  if (data) {
    data = mul(data, 0xcc9e2d51);
    data = rot(data, 15);
    data = mul(data, 0x1b873593);
    hash = (hash ^ data) >>> 0;
  }
  hash = rot(hash, 13);
  return (mul(hash, 5) + 0xe6546b64) >>> 0;
}

function mhashFinish(hash: number): number {
  hash = (hash ^ (hash >>> 16)) >>> 0;
  hash = mul(hash, 0x85ebca6b);
  hash = (hash ^ (hash >>> 13)) >>> 0;
  hash = mul(hash, 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

/** hash_bytes(s, strlen(s), basis) over the UTF-8 bytes of `s` (little-endian words). */
export function hashString(s: string, basis = 0): number {
  const b = Buffer.from(s);
  let hash = basis >>> 0;
  let i = 0;
  for (; i + 4 <= b.length; i += 4) hash = mhashAdd(hash, b.readUInt32LE(i));
  if (i < b.length) {
    let tmp = 0;
    for (let j = 0; i + j < b.length; j++) tmp |= b[i + j]! << (8 * j);
    hash = mhashAdd(hash, tmp >>> 0);
  }
  return mhashFinish((hash ^ b.length) >>> 0);
}

function calcMask(capacity: number): number {
  let mask = Math.floor(capacity / 2);
  for (const s of [1, 2, 4, 8, 16]) mask |= mask >>> s;
  return mask | ((mask & 1) << 1);
}

/** The order HMAP_FOR_EACH visits `items` after inserting them in the given order. */
export function hmapOrder<T>(items: readonly T[], hash: (t: T) => number): T[] {
  let mask = 0;
  let buckets: { item: T; hash: number }[][] = [[]];
  let n = 0;
  const insertFast = (bs: typeof buckets, m: number, node: { item: T; hash: number }): void => {
    bs[node.hash & m]!.unshift(node);
  };
  for (const item of items) {
    insertFast(buckets, mask, { item, hash: hash(item) });
    n++;
    if (Math.floor(n / 2) > mask) {
      const newMask = calcMask(n);
      if (newMask > mask) {
        const next: typeof buckets = Array.from({ length: newMask + 1 }, () => []);
        for (const b of buckets) for (const node of b) insertFast(next, newMask, node);
        buckets = next;
        mask = newMask;
      }
    }
  }
  return buckets.flatMap((b) => b.map((node) => node.item));
}
