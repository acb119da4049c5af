/**
 * Tunnel encapsulation and decapsulation (VXLAN, Geneve, GRE): each wraps a
 * frame that its own parser gives back whole with the key; checksums
 * (`csum=true`) verify; truncated or foreign packets parse as null, never
 * throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tunnelEncap, tunnelDecap, type EncapParams } from '../../src/vswitch/tunnel.js';

function sum16(b: Buffer, off: number, len: number, s = 0): number {
  let i = off;
  for (; i + 1 < off + len; i += 2) s += b.readUInt16BE(i);
  if (i < off + len) s += b[i]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

const base: EncapParams = { dstMac: 0x020000000002, srcMac: 0x020000000001, src: 0x0a000001, dst: 0x0a000002, vni: 100, udpSrc: 50000, udpDst: 4789, ttl: 64, tos: 0, df: true };

test('encap then decap gives back the frame and the key, for every type, with and without checksums', () => {
  fc.assert(fc.property(
    fc.constantFrom('vxlan', 'geneve', 'gre'), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 0xffffff }),
    fc.uint8Array({ minLength: 14, maxLength: 300 }),
    (type, csum, hasKey, vni, bytes) => {
      const inner = Buffer.from(bytes);
      const p = { ...base, type, csum, hasKey, vni, udpDst: type === 'geneve' ? 6081 : 4789 } as EncapParams;
      const out = tunnelEncap(inner, p);
      assert.equal(sum16(out, 14, 20), 0xffff, 'outer IPv4 checksum');
      if (csum && type !== 'gre') assert.equal(sum16(out, 34, out.length - 34, sum16(out, 26, 8) + 17 + out.length - 34), 0xffff, 'UDP checksum');
      if (csum && type === 'gre') assert.equal(sum16(out, 34, out.length - 34), 0xffff, 'GRE checksum');
      const d = tunnelDecap(out);
      assert.ok(d);
      assert.equal(d.type, type);
      assert.deepEqual(Buffer.from(d.inner), inner);
      assert.equal(d.vni, type === 'gre' && !hasKey ? 0 : vni);
      assert.equal(d.src, base.src);
      for (let cut = 0; cut < out.length - inner.length; cut++) tunnelDecap(out.subarray(0, cut));   // never throws
    }), { numRuns: 300 });
});

test('Geneve options are skipped; a non-Ethernet protocol is refused', () => {
  const inner = Buffer.alloc(60, 7);
  const out = tunnelEncap(inner, { ...base, type: 'geneve', udpDst: 6081 });
  // Add 8 bytes of options: opt len 2 (in 4-byte words).
  const withOpt = Buffer.concat([out.subarray(0, 50), Buffer.alloc(8, 0xee), out.subarray(50)]);
  withOpt[42] = 2;
  assert.deepEqual(Buffer.from(tunnelDecap(withOpt)!.inner), inner);
  const ipInside = Buffer.from(out);
  ipInside.writeUInt16BE(0x0800, 44);
  assert.equal(tunnelDecap(ipInside), null);
});
