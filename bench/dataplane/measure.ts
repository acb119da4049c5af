/**
 * The four measurements, each run from vm1 towards vm2 through one switch:
 *
 *   udp64    iperf3 -u -b 0 -l 64      packets/s delivered to the receiver
 *   udp1400  iperf3 -u -b 0 -l 1400    packets/s delivered
 *   tcp      iperf3 (one stream)       Gbit/s received
 *   ping     ping -i 0.01              mean RTT, ms
 *
 * "Delivered" is the receiver's count: (packets - lost) / seconds from
 * iperf3's `sum_received`, so a switch that drops under load is not credited
 * with what the sender managed to push (the sender's rate and the loss are
 * kept in `extra`). With `-b 0` the sender goes as fast as it can, so on a
 * small machine these figures measure how a switch copes with sharing the
 * CPUs with sender and receiver as much as its per-packet cost: compare
 * switches within one run, not across runs.
 *
 * Parsing is pure (`parsePing`, `parseIperf`) and never throws: a failed
 * test is a Measurement with value null and the reason in `extra.error`, so
 * one bad repetition costs one cell, not the run.
 *
 * Each switch copy has one iperf3 server in vm2 (a child process, stopped
 * by pid). A server can still be finishing the previous test when the next
 * client arrives ("busy"): the client retries, and after repeated refusals
 * the server is replaced.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Daemon, Lab } from './lab.js';
import type { TestName } from './options.js';
import { VM2_IP, type Topology } from './topology.js';

export interface MetricInfo {
  /** Name in the JSON results. */
  readonly metric: string;
  readonly unit: string;
  /** Row label in the table. */
  readonly label: string;
  readonly higherIsBetter: boolean;
}

export const METRICS: Readonly<Record<TestName, MetricInfo>> = {
  udp64: { metric: 'udp64_rx_pps', unit: 'pps', label: 'UDP 64 B, packets/s delivered', higherIsBetter: true },
  udp1400: { metric: 'udp1400_rx_pps', unit: 'pps', label: 'UDP 1400 B, packets/s delivered', higherIsBetter: true },
  tcp: { metric: 'tcp_gbps', unit: 'Gbit/s', label: 'TCP 1 stream, Gbit/s', higherIsBetter: true },
  ping: { metric: 'ping_rtt_ms', unit: 'ms', label: 'ping RTT mean, ms (lower is better)', higherIsBetter: false },
};

export interface Measurement {
  /** The figure in the metric's unit, or null when the test failed. */
  readonly value: number | null;
  /** Side figures (loss, sender rate, retransmits, min/max RTT), and `error` when value is null. */
  readonly extra: Readonly<Record<string, number | string>>;
}

const failed = (error: string): Measurement => ({ value: null, extra: { error } });

/** Mean RTT from `ping -q` output. */
export function parsePing(text: string): Measurement {
  const counts = /(\d+) packets transmitted, (\d+) received/.exec(text);
  const rtt = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(text);
  if (!counts) return failed(text.trim().split('\n').pop() || 'ping printed no statistics');
  const sent = Number(counts[1]), received = Number(counts[2]);
  if (!rtt || received === 0) return failed(`no replies (${sent} sent)`);
  return {
    value: Number(rtt[2]),
    extra: { min_ms: Number(rtt[1]), max_ms: Number(rtt[3]), mdev_ms: Number(rtt[4]), sent, received, loss_pct: round(100 * (1 - received / sent), 2) },
  };
}

type Json = Record<string, unknown>;
const obj = (x: unknown): Json | undefined => (x !== null && typeof x === 'object' ? (x as Json) : undefined);
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

/** The figure of one `iperf3 -J` client report: UDP packets/s delivered, or TCP Gbit/s received. */
export function parseIperf(text: string, kind: 'udp' | 'tcp'): Measurement {
  let j: Json | undefined;
  try {
    j = obj(JSON.parse(text.slice(Math.max(0, text.indexOf('{')))));
  } catch {
    return failed(text.trim() ? `iperf3 output is not JSON: ${text.trim().split('\n')[0]!.slice(0, 120)}` : 'iperf3 printed nothing');
  }
  if (!j) return failed('iperf3 output is not a JSON object');
  if (typeof j.error === 'string') return failed(`iperf3: ${j.error}`);
  const end = obj(j.end);
  const sent = obj(end?.sum_sent);
  if (kind === 'tcp') {
    const bps = num(obj(end?.sum_received)?.bits_per_second);
    if (bps === undefined) return failed('iperf3 report has no end.sum_received');
    return { value: bps / 1e9, extra: { sender_gbps: round((num(sent?.bits_per_second) ?? NaN) / 1e9, 3), retransmits: num(sent?.retransmits) ?? -1 } };
  }
  // iperf3 >= 3.10 reports the receiver in sum_received; older clients put the server's figures in sum.
  const rx = obj(end?.sum_received) ?? obj(end?.sum);
  const packets = num(rx?.packets), lost = num(rx?.lost_packets), seconds = num(rx?.seconds);
  if (packets === undefined || lost === undefined || !seconds) return failed('iperf3 report has no receiver packet counts');
  const txPackets = num(sent?.packets), txSeconds = num(sent?.seconds);
  return {
    value: (packets - lost) / seconds,
    extra: {
      rx_packets: packets - lost,
      lost_packets: lost,
      loss_pct: round(num(rx?.lost_percent) ?? (packets ? (100 * lost) / packets : 0), 2),
      ...(txPackets !== undefined && txSeconds ? { tx_pps: round(txPackets / txSeconds, 0) } : {}),
    },
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export interface ProbeOptions {
  readonly duration: number;
  readonly pings: number;
  /** Raw outputs are written here as `<test>.<rep>.txt`. */
  readonly rawDir: string;
}

const IPERF_PORT = 5201;

/** Runs the tests of one switch copy; owns the iperf3 server in its vm2. */
export class Probe {
  private server: Daemon | null = null;

  constructor(private readonly lab: Lab, private readonly topo: Topology, private readonly opts: ProbeOptions) {
    fs.mkdirSync(opts.rawDir, { recursive: true });
  }

  startServer(): void {
    this.server = this.lab.spawnDaemon({
      name: 'iperf3 server', ns: this.topo.vm2, command: 'iperf3', logFile: path.join(this.opts.rawDir, 'iperf3-server.log'),
      // A client that vanished mid-test must not keep the server busy for the default 2 minutes.
      args: ['-s', '-B', VM2_IP, '-p', String(IPERF_PORT), '--rcv-timeout', '5000'],
    });
  }

  async measure(test: TestName, rep: number): Promise<Measurement> {
    const raw = path.join(this.opts.rawDir, `${test}.${rep}.txt`);
    if (test === 'ping') {
      const n = this.opts.pings;
      const r = await this.lab.run('ping', ['-q', '-c', String(n), '-i', '0.01', '-W', '1', VM2_IP], { ns: this.topo.vm1, timeoutMs: n * 100 + 10_000 });
      fs.writeFileSync(raw, r.stdout + r.stderr);
      return parsePing(r.stdout + r.stderr);
    }
    const args = test === 'tcp' ? [] : ['-u', '-b', '0', '-l', test === 'udp64' ? '64' : '1400'];
    const text = await this.iperf(args);
    fs.writeFileSync(raw, text);
    return parseIperf(text, test === 'tcp' ? 'tcp' : 'udp');
  }

  private async iperf(args: readonly string[]): Promise<string> {
    const t = this.opts.duration;
    let text = '';
    for (let attempt = 1; attempt <= 4; attempt++) {
      const r = await this.lab.run('iperf3', ['-c', VM2_IP, '-p', String(IPERF_PORT), '-J', '-t', String(t), '--connect-timeout', '3000', ...args],
        { ns: this.topo.vm1, timeoutMs: (t + 20) * 1000 });
      text = r.timedOut ? `{"error": "no report within ${t + 20} s"}` : r.stdout || r.stderr;
      const m = parseIperf(text, 'tcp');
      const error = typeof m.extra.error === 'string' ? m.extra.error : '';
      // Busy: the server is still closing the previous test. Refused: it is not listening (yet, or any more).
      if (!/busy|refused/i.test(error) || this.lab.closed) break;
      if (attempt === 3 && this.server) {
        await this.lab.stop(this.server);
        this.startServer();
      }
      await new Promise((r) => setTimeout(r, 700));
    }
    return text;
  }
}
