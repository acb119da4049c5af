import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  formatIpv4, formatIpv6, formatMac, ipv4MaskPrefix, ipv4PrefixMask, ipv6MaskPrefix, ipv6PrefixMask, isMulticastMac,
  macFromBytes, macToBytes, parseIpv4, parseIpv6, parseMac, asVid,
} from '../../src/packet/types.js';
import { Reader } from '../../src/packet/reader.js';
import { Writer } from '../../src/packet/writer.js';
import { DecodeError, EncodeError } from '../../src/packet/errors.js';

test('MAC text and bytes', () => {
  assert.equal(parseMac('50:54:00:00:00:01'), 0x505400000001);
  assert.equal(parseMac('A:b:C:d:E:f'), 0x0a0b0c0d0e0f);
  assert.equal(parseMac('1:2:3:4:5'), null);
  assert.equal(parseMac('01:02:03:04:05:006'), null);
  assert.equal(formatMac(0xffffffffffff), 'ff:ff:ff:ff:ff:ff');
  assert.equal(formatMac(0x0a0b0c0d0e0f), '0a:0b:0c:0d:0e:0f');
  assert.equal(isMulticastMac(0x010000000000), true);
  assert.equal(isMulticastMac(0x505400000001), false);
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffffffff }), (m) => {
    assert.equal(parseMac(formatMac(m)), m);
    assert.equal(macFromBytes(macToBytes(m)), m);
  }));
});

test('IPv4 text and masks', () => {
  assert.equal(parseIpv4('10.0.0.1'), 0x0a000001);
  assert.equal(parseIpv4('255.255.255.255'), 0xffffffff);
  for (const bad of ['1.2.3', '1.2.3.256', '1.2.3.4.5', 'a.b.c.d', '']) assert.equal(parseIpv4(bad), null, bad);
  assert.equal(formatIpv4(0xc0a80001), '192.168.0.1');
  for (let b = 0; b <= 32; b++) assert.equal(ipv4MaskPrefix(ipv4PrefixMask(b)), b);
  assert.equal(ipv4MaskPrefix(0xffff00ff), -1);
});

test('IPv6 text forms (RFC 4291 §2.2 in, RFC 5952 out, dotted tails as inet_ntop)', () => {
  const cases: Array<[string, string]> = [
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:0db8:0000:0000:0000:0000:0002:0001', '2001:db8::2:1'],
    ['2001:db8::1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
    ['::1.2.3.4', '::1.2.3.4'],
    ['FE80::1', 'fe80::1'],
  ];
  for (const [inp, out] of cases) assert.equal(formatIpv6(parseIpv6(inp)!), out, inp);
  for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', ':1', 'g::1', '1:2:3:4:5:6:7']) assert.equal(parseIpv6(bad), null, bad);
  fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
    assert.deepEqual(parseIpv6(formatIpv6(b)), b);
  }));
  for (let b = 0; b <= 128; b += 7) assert.equal(ipv6MaskPrefix(ipv6PrefixMask(b)), b);
  assert.equal(ipv6MaskPrefix(parseIpv6('ffff::ffff')!), -1);
});

test('VID range is checked when branding', () => {
  assert.equal(asVid(4095), 4095);
  assert.throws(() => asVid(4096), RangeError);
});

test('Reader refuses to read past its window, naming field and offset', () => {
  const r = new Reader(new Uint8Array([1, 2, 3, 4, 5]), 1, 4);
  assert.equal(r.u16('a'), 0x0203);
  const e = (() => { try { r.u16('x.y'); } catch (err) { return err; } return null; })();
  assert.ok(e instanceof DecodeError);
  assert.equal((e as DecodeError).field, 'x.y');
  assert.equal((e as DecodeError).offset, 3);
  assert.equal(r.u8('b'), 4);
  assert.throws(() => r.u8('c'), DecodeError);
  const sub = new Reader(new Uint8Array(10)).sub(4, 's');
  assert.equal(sub.remaining, 4);
  assert.throws(() => sub.bytes(5, 'z'), (err: DecodeError) => err.field === 'z' && err.offset === 0);
});

test('Reader views are not copies; copy() is', () => {
  const buf = Buffer.from([1, 2, 3, 4]);
  const r = new Reader(buf);
  const v = r.bytes(2, 'v');
  const c = new Reader(buf).copy(2, 'c');
  buf[0] = 9;
  assert.equal(v[0], 9);
  assert.equal(c[0], 1);
});

test('Writer big-endian values and range checks', () => {
  const w = new Writer(2);
  w.u8(1).u16(0x0203).u24(0x040506).u32(0x0708090a).u48(0x0b0c0d0e0f10).u64(0x1112131415161718n);
  assert.deepEqual([...w.finish()], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
  assert.throws(() => new Writer().u16(0x10000, 'tcp.src'), (e: EncodeError) => e instanceof EncodeError && e.field === 'tcp.src');
  assert.throws(() => new Writer().u8(-1), EncodeError);
});
