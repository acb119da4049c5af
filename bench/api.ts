/**
 * `npm run bench:api`: the controller's Neutron API under load, at 10,000
 * ports: requests per second and latency percentiles for port create,
 * show and list.
 *
 * Method. `weft controller` runs as its own process (as deployed) on a
 * fresh embedded database in a temporary directory, with the port quota
 * lifted. This process is the client: `--clients` concurrent HTTP/1.1
 * keep-alive connections issue requests back to back; each request's
 * latency is recorded. Phases:
 *
 *   create     N ports (default 10,000) on one network with a /16 subnet,
 *              each with an allocated address, a generated MAC and the
 *              default security group: one northbound transaction per port,
 *              durable before the reply. Reported over all N and over the
 *              last tenth (the cost at ~N ports);
 *   show       GET /v2.0/ports/{id} of random ports;
 *   list-page  GET /v2.0/ports?limit=100 (sorted by id, first page);
 *   list-filt  GET /v2.0/ports?fixed_ips=ip_address=… (one match out of N);
 *   list-all   GET /v2.0/ports: all N ports in one response.
 *
 * A benchmark is not a test: the exit status is non-zero only when the
 * controller or the load could not run, never because of the figures.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseFlags, usage, UsageError } from './lib/args.js';
import { Samples, type Summary } from './lib/stats.js';
import { formatTable, formatNumber, formatPairs } from './lib/table.js';
import { describeMachine, gitRevision } from './lib/machine.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = path.join(REPO, 'dist', 'src', 'cli', 'controller-entry.js');

const FLAGS = {
  defaults: { ports: 10000, clients: 16, lists: 20, shows: 2000, json: false },
  help: {
    ports: 'ports to create',
    clients: 'concurrent client connections',
    lists: 'requests in each list phase',
    shows: 'requests in the show phase',
    json: 'print the results as JSON',
  },
};

interface Phase { name: string; requests: number; seconds: number; latency: Summary }

async function startController(dir: string): Promise<{ proc: ChildProcess; url: string }> {
  fs.writeFileSync(path.join(dir, 'controller.ini'), '[quotas]\nquota_port = -1\n');
  const proc = spawn(process.execPath, [...(process.env.WEFT_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), ENTRY, `--dir=${dir}`, '--listen=127.0.0.1:0', `--config=${path.join(dir, 'controller.ini')}`],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    proc.on('exit', (c) => reject(new Error(`controller exited ${c}: ${err}`)));
  });
  return { proc, url };
}

async function call(url: string, method: string, body?: unknown): Promise<any> {
  const r = await fetch(url, { method, headers: { 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  if (r.status >= 400) throw new Error(`${method} ${url}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Runs `count` requests from `clients` concurrent workers; `make(i)` issues request i. */
async function phase(name: string, count: number, clients: number, make: (i: number) => Promise<unknown>): Promise<Phase> {
  const lat = new Samples();
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(clients, count) }, async () => {
    for (let i = next++; i < count; i = next++) {
      const s = performance.now();
      await make(i);
      lat.push(performance.now() - s);
    }
  }));
  return { name, requests: count, seconds: (performance.now() - t0) / 1000, latency: lat.summary() };
}

async function main(): Promise<number> {
  let flags;
  try {
    flags = parseFlags(process.argv.slice(2), FLAGS);
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`bench:api: ${e.message}\n`); return 2; }
    throw e;
  }
  if (!flags) { process.stdout.write(usage('npm run bench:api --', FLAGS)); return 0; }
  if (!fs.existsSync(ENTRY)) { process.stderr.write(`bench:api: ${ENTRY} missing (npm run build)\n`); return 1; }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-api-'));
  const { proc, url } = await startController(dir);
  const phases: Phase[] = [];
  let dbBytes = NaN;
  try {
    const net = (await call(`${url}/v2.0/networks`, 'POST', { network: { name: 'bench' } })).network;
    await call(`${url}/v2.0/subnets`, 'POST', { subnet: { network_id: net.id, cidr: '10.0.0.0/16', ip_version: 4 } });
    const ids: string[] = new Array(flags.ports);
    const ips: string[] = new Array(flags.ports);
    const tenth = Math.max(1, Math.floor(flags.ports / 10));
    const create = async (i: number): Promise<void> => {
      const p = (await call(`${url}/v2.0/ports`, 'POST', { port: { network_id: net.id, name: `p${i}` } })).port;
      ids[i] = p.id;
      ips[i] = p.fixed_ips[0].ip_address;
    };
    const first = await phase('create (first 90%)', flags.ports - tenth, flags.clients, create);
    const last = await phase(`create (last 10%, at ~${flags.ports} ports)`, tenth, flags.clients, (i) => create(i + flags.ports - tenth));
    const all = first.requests + last.requests;
    phases.push(first, last);
    process.stderr.write(`bench:api: created ${all} ports\n`);
    const rnd = (n: number): number => Math.floor(Math.random() * n);
    phases.push(await phase('show', flags.shows, flags.clients, () => call(`${url}/v2.0/ports/${ids[rnd(all)]}`, 'GET')));
    phases.push(await phase('list-page (limit=100)', flags.lists, flags.clients, () => call(`${url}/v2.0/ports?limit=100`, 'GET')));
    phases.push(await phase('list-filt (fixed_ips)', flags.lists, flags.clients, () => call(`${url}/v2.0/ports?fixed_ips=ip_address%3D${ips[rnd(all)]}`, 'GET')));
    phases.push(await phase(`list-all (${all} ports)`, flags.lists, Math.min(flags.clients, 4), async () => {
      const r = await call(`${url}/v2.0/ports`, 'GET');
      if (r.ports.length < all) throw new Error(`list returned ${r.ports.length} ports, fewer than ${all}`);
    }));
  } finally {
    proc.kill('SIGTERM');
    if (proc.exitCode === null) await new Promise((r) => proc.once('exit', r));
    dbBytes = fs.existsSync(path.join(dir, 'ovnnb.db')) ? fs.statSync(path.join(dir, 'ovnnb.db')).size : NaN;
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const m = describeMachine();
  if (flags.json) {
    process.stdout.write(JSON.stringify({ machine: m, revision: gitRevision(REPO), flags, dbBytes, phases }, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(formatPairs([
    ['machine', `${m.cores} x ${m.cpuModel}, node ${process.version}`],
    ['revision', gitRevision(REPO) ?? 'unknown'],
    ['clients', String(flags.clients)],
    ['database file', `${formatNumber(dbBytes / 1048576)} MiB after ${flags.ports} ports`],
  ]) + '\n');
  process.stdout.write(formatTable(
    [{ header: 'phase' }, { header: 'requests', align: 'right' }, { header: 'req/s', align: 'right' }, { header: 'p50 ms', align: 'right' }, { header: 'p99 ms', align: 'right' }, { header: 'max ms', align: 'right' }],
    phases.map((p) => [p.name, String(p.requests), formatNumber(p.requests / p.seconds), formatNumber(p.latency.p50), formatNumber(p.latency.p99), formatNumber(p.latency.max)]),
  ));
  return 0;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  process.stderr.write(`bench:api: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});
