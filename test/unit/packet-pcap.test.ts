import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { PcapWriter, decodePcap, readPcapFile, encodePcapHeader, encodePcapRecord, PCAP_HEADER_LEN } from '../../src/packet/pcap.js';
import { DecodeError } from '../../src/packet/errors.js';
import { buildArpRequest, buildUdpIpv4 } from '../../src/packet/build.js';
import type { Ipv4, Mac } from '../../src/packet/types.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-pcap-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const arp = buildArpRequest({ srcMac: 0x505400000001 as Mac, srcIp: 0x0a000001 as Ipv4, dstIp: 0x0a000002 as Ipv4 });
const udp = buildUdpIpv4({ srcMac: 1 as Mac, dstMac: 2 as Mac, src: 0x0a000001 as Ipv4, dst: 0x0a000002 as Ipv4, srcPort: 1000, dstPort: 53, payload: new Uint8Array(20) });

test('write, append and read back; every record is on disk as soon as it is written', () => {
  const path = join(dir, 'a.pcap');
  const w = PcapWriter.create(path);
  w.write(arp, 1_700_000_000_123.456);
  assert.equal(readPcapFile(path).records.length, 1, 'visible before close');
  w.write(udp, 1_700_000_001_000);
  w.close();
  const a = PcapWriter.append(path);
  a.write(arp, 1_700_000_002_000);
  a.close();
  const c = readPcapFile(path);
  assert.equal(c.header.linktype, 1);
  assert.equal(c.header.nanos, false);
  assert.equal(c.truncated, false);
  assert.deepEqual(c.records.map((r) => [r.seconds, r.fraction, r.origLen]), [[1_700_000_000, 123456, arp.length], [1_700_000_001, 0, udp.length], [1_700_000_002, 0, arp.length]]);
  assert.deepEqual(Uint8Array.from(c.records[1]!.data), udp);
});

test('nanosecond and big-endian captures', () => {
  const path = join(dir, 'ns.pcap');
  const w = PcapWriter.create(path, { nanos: true });
  w.write(arp, 5_000.000_25);
  w.close();
  const c = readPcapFile(path);
  assert.equal(c.header.nanos, true);
  assert.equal(c.records[0]!.fraction, 250);
  const be = new Uint8Array([...encodePcapHeader({ littleEndian: false }), ...encodePcapRecord({ seconds: 7, fraction: 8, origLen: arp.length, data: arp }, false)]);
  assert.equal(be[0], 0xa1);
  const d = decodePcap(be);
  assert.equal(d.header.littleEndian, false);
  assert.deepEqual([d.records[0]!.seconds, d.records[0]!.fraction], [7, 8]);
});

test('a truncated last record is left for later, at every cut point', () => {
  const path = join(dir, 't.pcap');
  const w = PcapWriter.create(path);
  w.write(arp, 0); w.write(udp, 0);
  w.close();
  const full = readFileSync(path);
  const firstEnd = PCAP_HEADER_LEN + 16 + arp.length;
  for (let n = 0; n < full.length; n++) {
    const cut = full.subarray(0, n);
    if (n < PCAP_HEADER_LEN) { assert.throws(() => decodePcap(cut), DecodeError); continue; }
    const c = decodePcap(cut);
    const want = n >= full.length ? 2 : n >= firstEnd ? 1 : 0;
    assert.equal(c.records.length, want, `cut at ${n}`);
    assert.equal(c.truncated, n !== PCAP_HEADER_LEN && n !== firstEnd);
    assert.equal(c.consumed, want === 0 ? PCAP_HEADER_LEN : firstEnd);
  }
  assert.throws(() => decodePcap(new Uint8Array(24)), (e: DecodeError) => e.field === 'pcap.magic');
});

test('tcpdump reads what we write (skipped without tcpdump)', (t) => {
  const probe = spawnSync('tcpdump', ['--version'], { encoding: 'utf8' });
  if (probe.error) { t.skip('tcpdump not installed'); return; }
  const path = join(dir, 'td.pcap');
  const w = PcapWriter.create(path);
  w.write(arp, 1_000);
  w.write(udp, 2_000);
  w.close();
  const out = spawnSync('tcpdump', ['-nn', '-e', '-r', path], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(out.status, 0, out.stderr);
  const lines = out.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /50:54:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP \(0x0806\).*Request who-has 10\.0\.0\.2 tell 10\.0\.0\.1/);
  assert.match(lines[1]!, /IPv4.*10\.0\.0\.1\.1000 > 10\.0\.0\.2\.53:/);
});
