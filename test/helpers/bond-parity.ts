/**
 * Bond/LACP parity harness: runs one scenario — a list of shell steps
 * driving the real `ovs-vsctl`/`ovs-appctl` — against the real
 * `ovs-vswitchd --enable-dummy` and against `weft vswitchd --enable-dummy`,
 * each with its own real `ovsdb-server` in its own directory, and compares
 * every step's output.
 *
 * Determinism: every scenario starts with `time/stop`, so timers (LACP
 * transmit and receive, up/down delays, rebalancing) move only with
 * `time/warp`. What the real switch leaves to chance is normalized, never
 * compared raw:
 * - dummy interfaces get their MAC from a process-wide counter in creation
 *   order, and OVS creates the interfaces of one transaction in hash order,
 *   so member MACs are mapped to `<mac:NAME>` (the helpers record each
 *   interface's `mac_in_use` right after creating it), in colon form and in
 *   the hex of captured frames;
 * - OVS orders equal-cost choices by pointer hashes (which member of a new
 *   SLB bond takes the first hash bucket), so a step may ask for member
 *   names to be renamed `m0`, `m1`… in order of first appearance
 *   (`relabel`), which keeps the round-robin pattern and every invariant
 *   while forgetting which physical member came first.
 *
 * Steps see these shell helpers (prelude below): `add_br BR MAC [vsctl…]`,
 * `add_bond BR BOND IFACE… [-- column=value…]`, `add_port BR PORT
 * [column=value…]`, `inject IFACE HEX…`, `pkt k=v…` / `udp4 k=v…` / `pdu
 * k=v…` (frame hex, as the acceptance harness's ovstool builds them; here in
 * perl, test/helpers/bond-parity-tool.pl, because the steps build hundreds),
 * `partner PORT OUR_PORT…` (a
 * LACPDU from the simulated switch), `tx_mark`, `tx [--all]` (frames sent
 * since the mark, "iface hex" sorted, then re-mark), `pdus` (our LACPDUs
 * since the mark, decoded), `bondlist`, `settle` (lets the daemon's main
 * loop catch up), `warp MS…`.
 *
 * OVS leaves the default LACP aggregation key (the port id of whichever
 * member its hash table yields first) and the active member of a bond
 * without a primary to pointer order too: scenarios pin keys with
 * `lacp-aggregation-key` and relabel where the active member is free.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const PTOOL = path.join(REPO, 'test/helpers/bond-parity-tool.pl');
const TOOLS_PATH = `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin:/usr/local/sbin`;

export type Impl = 'ovs' | 'weft';

export interface Step {
  readonly sh: string;
  /** Run only (setup); its output is not compared. */
  readonly quiet?: boolean;
  /** Rename member interfaces m0, m1… by first appearance in this step's output (pointer-hash order in OVS). */
  readonly relabel?: readonly string[];
  /** Sort the output lines before comparing (order is not part of the contract). */
  readonly sort?: boolean;
  /** A known difference outside the bond code, with the reason: reported, not failed. */
  readonly known?: string;
}
export type StepSpec = string | Step;

export interface Scenario {
  readonly name: string;
  readonly steps: readonly StepSpec[];
}

export interface StepOutcome { readonly sh: string; readonly out: string; readonly status: number | null }

export interface Difference { readonly step: number; readonly sh: string; readonly ovs: string; readonly weft: string; readonly known?: string }

const PRELUDE = `
ovs-vsctl() { command ovs-vsctl --timeout=20 "$@"; }
ovs-appctl() { command ovs-appctl --timeout=10 "$@"; }
tool() { perl "$PTOOL" "$@"; }
_ofport() { local d=\${1//[^0-9]/}; [ -n "$d" ] && [ $((10#$d)) -gt 0 ] && echo "ofport_request=$((10#$d))"; }
_record_mac() {
  local i m n
  for i in "$@"; do
    for n in $(seq 1 100); do
      m=$(command ovs-vsctl --timeout=5 get interface "$i" mac_in_use 2>/dev/null | tr -d '"')
      [ -n "$m" ] && [ "$m" != "[]" ] && break
      sleep 0.02
    done
    echo "$i $m" >> "$T/.macs"
  done
}
add_br() {
  local br=$1 mac=$2; shift 2
  ovs-vsctl add-br "$br" -- set bridge "$br" datapath_type=dummy other-config:hwaddr="$mac" \
    -- set interface "$br" options:tx_pcap="$T/pcap/$br.pcap" "$@"
}
add_bond() {
  local br=$1 bond=$2 ifaces=() args=() i; shift 2
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do ifaces+=("$1"); shift; done
  [ "$1" = "--" ] && shift
  for i in "\${ifaces[@]}"; do args+=(-- set interface "$i" type=dummy $(_ofport "$i") options:tx_pcap="$T/pcap/$i.pcap"); done
  ovs-vsctl add-bond "$br" "$bond" "\${ifaces[@]}" "$@" "\${args[@]}" && _record_mac "\${ifaces[@]}"
}
add_port() {
  local br=$1 port=$2; shift 2
  ovs-vsctl add-port "$br" "$port" "$@" -- set interface "$port" type=dummy $(_ofport "$port") options:tx_pcap="$T/pcap/$port.pcap" \
    && _record_mac "$port"
}
pkt() { tool pkt "$@"; }
udp4() { tool udp4 "$@"; }
udp6() { tool udp6 "$@"; }
pdu() { tool lacpdu "$@"; }
inject() { local i=$1; shift; ovs-appctl netdev-dummy/receive "$i" "$@" > /dev/null; }
# settle [SECONDS]: lets the daemon's main loop catch up. OVS finishes some state changes (a port's
# may-enable after LACP moved) only in its next loop iteration, which a request triggers; two requests
# make sure one came after the change.
settle() { ovs-appctl version > /dev/null; ovs-appctl version > /dev/null; sleep "\${1:-0.05}"; }
tx_mark() { tool txmark "$T/pcap"; }
tx() { settle; tool tx "$@" "$T/pcap"; }
warp() { local ms; for ms in "$@"; do ovs-appctl time/warp "$ms" > /dev/null; done; settle 0; }
A=50:54:00:00:00:0a B=50:54:00:00:00:0b C=50:54:00:00:00:0c D=50:54:00:00:00:0d E=50:54:00:00:00:0e F=50:54:00:00:00:0f
SYNC=activity,timeout,aggregation,synchronized,collecting,distributing
# partner PORT OUR_PORT [KEY] [STATE] [SYSTEM] [OUR_KEY]: a LACPDU from the simulated switch (system 02:00:00:00:00:99, priority 32768).
partner() {
  pdu src=02:00:00:00:00:$1 actor_sys=\${5:-02:00:00:00:00:99} actor_prio=32768 actor_key=\${3:-100} actor_port=$1 \
    actor_port_prio=32768 actor_state=\${4:-$SYNC} partner_sys=aa:55:aa:55:00:00 partner_prio=65534 partner_key=\${6:-7} \
    partner_port=$2 partner_port_prio=65535 partner_state=$SYNC
}
# pdus: our LACPDUs since the mark, decoded ("iface actor … | partner …"), one per line.
pdus() { settle; tool tx --all "$T/pcap" | tool lacp-decode; }
# bondlist: bond/list with each bond's members sorted (OVS lists them in pointer-hash order).
bondlist() {
  ovs-appctl bond/list | { IFS= read -r h; echo "$h"; while IFS=$'\t' read -r n t r m; do
    echo "$n	$t	$r	$(echo "$m" | tr ',' '\n' | sed 's/^ *//' | sort | paste -sd, | sed 's/,/, /g')"; done; }
}
# repeat N HEX: the frame N times (for one netdev-dummy/receive call).
repeat() { local i; for i in $(seq 1 "$1"); do echo "$2"; done; }
`;

const VSWITCHD: Record<Impl, string[]> = {
  ovs: ['ovs-vswitchd', '--enable-dummy', '--disable-system', '--disable-system-route'],
  weft: [path.join(REPO, 'bin/weft'), 'vswitchd', '--enable-dummy', '--disable-system', '--disable-system-route'],
};

function schemaPath(): string {
  for (const p of ['/usr/share/openvswitch/vswitch.ovsschema', '/usr/local/share/openvswitch/vswitch.ovsschema']) {
    if (fs.existsSync(p)) return p;
  }
  return path.join(REPO, 'schemas/vswitch.ovsschema');
}

/** A skip reason when the real Open vSwitch daemons or perl are missing, else false. */
export function parityUnavailable(): string | false {
  const need = ['ovs-vswitchd', 'ovsdb-server', 'ovsdb-tool', 'ovs-vsctl', 'ovs-appctl', 'perl'];
  const missing = need.filter((n) => spawnSync('sh', ['-c', `command -v ${n}`], { env: { ...process.env, PATH: TOOLS_PATH } }).status !== 0);
  return missing.length ? `not installed: ${missing.join(', ')}` : false;
}

function runShell(sh: string, env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number): Promise<StepOutcome> {
  return new Promise((resolve) => {
    // One stream for stdout and stderr, so their interleaving is the step's own.
    const child = spawn('bash', ['-c', `exec 2>&1\nsource "$T/.prelude"\n${sh}`], { cwd, env, stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
    child.on('close', (status) => { clearTimeout(timer); resolve({ sh, out, status }); });
  });
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

/** Runs a scenario on one implementation; returns each step's raw outcome and the recorded interface MACs. */
export async function runScenario(sc: Scenario, impl: Impl, keep = false): Promise<{ steps: StepOutcome[]; macs: Map<string, string>; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `weft-bondpar-${impl}-`));
  fs.mkdirSync(path.join(dir, 'pcap'));
  fs.writeFileSync(path.join(dir, '.prelude'), PRELUDE);
  const env: NodeJS.ProcessEnv = {
    ...process.env, PATH: TOOLS_PATH, T: dir, PTOOL,
    OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir, OVS_SYSCONFDIR: dir, OVS_PKGDATADIR: dir,
  };
  const procs: ChildProcess[] = [];
  const start = (argv: string[], log: string): ChildProcess => {
    const fd = fs.openSync(path.join(dir, log), 'a');
    const p = spawn(argv[0]!, argv.slice(1), { cwd: dir, env, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    procs.push(p);
    return p;
  };
  try {
    spawnSync('ovsdb-tool', ['create', path.join(dir, 'conf.db'), schemaPath()], { env });
    start(['ovsdb-server', '--no-chdir', `--pidfile=${dir}/ovsdb-server.pid`, `--log-file=${dir}/ovsdb-server.log`, `--remote=punix:${dir}/db.sock`, `${dir}/conf.db`], 'ovsdb-server.out');
    await waitFor(() => fs.existsSync(path.join(dir, 'db.sock')), 10_000);
    spawnSync('ovs-vsctl', ['--timeout=10', '--no-wait', 'init'], { env });
    start([...VSWITCHD[impl], '--no-chdir', `--pidfile=${dir}/ovs-vswitchd.pid`, `--log-file=${dir}/ovs-vswitchd.log`, `unix:${dir}/db.sock`], 'ovs-vswitchd.out');
    await waitFor(() => fs.existsSync(path.join(dir, 'ovs-vswitchd.pid'))
      && spawnSync('ovs-appctl', ['--timeout=2', 'version'], { env }).status === 0, 15_000);
    const steps: StepOutcome[] = [];
    steps.push(await runShell('ovs-appctl time/stop', env, dir, 10_000));
    const t0 = Date.now();
    for (const s of sc.steps) {
      const t = Date.now();
      steps.push(await runShell(typeof s === 'string' ? s : s.sh, env, dir, 30_000));
      if (process.env.BOND_PARITY_TIMING) process.stderr.write(`${impl} ${sc.name} ${Date.now() - t}ms ${(typeof s === 'string' ? s : s.sh).slice(0, 60)}\n`);
    }
    if (process.env.BOND_PARITY_TIMING) process.stderr.write(`${impl} ${sc.name} steps ${Date.now() - t0}ms\n`);
    steps.shift();
    const macs = new Map<string, string>();
    try {
      for (const line of fs.readFileSync(path.join(dir, '.macs'), 'utf8').split('\n')) {
        const [name, mac] = line.split(' ');
        if (name && mac && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) macs.set(mac, name);
      }
    } catch { /* no interfaces recorded */ }
    return { steps, macs, dir };
  } finally {
    for (const p of procs.reverse()) {
      p.kill('SIGTERM');
      await new Promise((r) => { const t = setTimeout(r, 2000); p.once('exit', () => { clearTimeout(t); r(null); }); });
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Applies the MAC mapping (colon and hex forms) and the step's own normalizations. */
export function normalize(out: string, spec: Step, macs: Map<string, string>): string {
  let s = out;
  for (const [mac, name] of macs) {
    s = s.split(mac).join(`<mac:${name}>`);
    s = s.split(mac.replace(/:/g, '')).join(`<mac:${name}>`);
  }
  if (spec.relabel) {
    const names = new Map<string, string>();
    const alt = spec.relabel.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
    s = s.replace(new RegExp(`(?<![\\w-])(${alt})(?![\\w-])`, 'g'), (m) => {
      let n = names.get(m);
      if (n === undefined) names.set(m, n = `m${names.size}`);
      return n;
    });
  }
  if (spec.sort) s = s.split('\n').filter((l) => l !== '').sort().join('\n') + '\n';
  return s;
}

export function asStep(s: StepSpec): Step {
  return typeof s === 'string' ? { sh: s } : s;
}

/** Runs both implementations concurrently and lists the steps whose normalized outputs differ. */
export async function compareScenario(sc: Scenario, keep = false): Promise<{ diffs: Difference[]; dirs: Record<Impl, string> }> {
  const [o, w] = await Promise.all([runScenario(sc, 'ovs', keep), runScenario(sc, 'weft', keep)]);
  const diffs: Difference[] = [];
  sc.steps.forEach((raw, i) => {
    const spec = asStep(raw);
    if (spec.quiet) return;
    const a = normalize(`${o.steps[i]!.out}[rc=${o.steps[i]!.status}]`, spec, o.macs);
    const b = normalize(`${w.steps[i]!.out}[rc=${w.steps[i]!.status}]`, spec, w.macs);
    if (a !== b) diffs.push({ step: i, sh: spec.sh, ovs: a, weft: b, ...(spec.known ? { known: spec.known } : {}) });
  });
  return { diffs, dirs: { ovs: o.dir, weft: w.dir } };
}

/** A readable report of differences: the step, then a line diff of the two outputs. */
export function formatDiffs(sc: Scenario, diffs: readonly Difference[]): string {
  const out: string[] = [];
  for (const d of diffs) {
    out.push(`== ${sc.name} step ${d.step}: ${d.sh.split('\n')[0]}${d.known ? ` (known: ${d.known})` : ''}`);
    const a = d.ovs.split('\n'), b = d.weft.split('\n');
    for (const l of lineDiff(a, b)) out.push(l);
  }
  return out.join('\n');
}

function lineDiff(a: string[], b: string[]): string[] {
  // Longest common subsequence; outputs are short.
  const n = a.length, m = b.length;
  const L: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i]![j] = a[i] === b[j] ? L[i + 1]![j + 1]! + 1 : Math.max(L[i + 1]![j]!, L[i]![j + 1]!);
  const out: string[] = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { out.push(`   ${a[i]}`); i++; j++; }
    else if (j < m && (i === n || L[i]![j + 1]! >= L[i + 1]![j]!)) { out.push(` + ${b[j]}`); j++; }
    else { out.push(` - ${a[i]}`); i++; }
  }
  return out;
}

/**
 * Registers one node:test test per scenario. BOND_PARITY=name[,name…]
 * runs only those; BOND_PARITY_KEEP=1 keeps the run directories.
 */
export async function registerScenarios(scenarios: readonly Scenario[]): Promise<void> {
  const { test } = await import('node:test');
  const skip = parityUnavailable();
  const only = process.env.BOND_PARITY;
  const keep = process.env.BOND_PARITY_KEEP === '1';
  const dump = process.env.BOND_PARITY_DUMP as Impl | undefined;
  for (const sc of scenarios) {
    if (only && !only.split(',').includes(sc.name)) continue;
    if (dump) {
      // Debugging aid: one implementation's normalized outputs, step by step.
      test(`bond parity dump (${dump}): ${sc.name}`, async (t) => {
        const r = await runScenario(sc, dump, keep);
        sc.steps.forEach((raw, i) => t.diagnostic(`== step ${i}: ${asStep(raw).sh}\n${normalize(r.steps[i]!.out, asStep(raw), r.macs)}`));
      });
      continue;
    }
    test(`bond parity: ${sc.name}`, { skip, timeout: 180_000 }, async (t) => {
      let { diffs, dirs } = await compareScenario(sc, keep);
      if (diffs.some((d) => !d.known)) {
        // ovs-vswitchd finishes some work in real-time rounds (revalidators, its main loop's
        // wake-ups) that time/stop does not freeze; a difference must show twice to count.
        t.diagnostic(`first run differed, running again:\n${formatDiffs(sc, diffs.filter((d) => !d.known))}`);
        ({ diffs, dirs } = await compareScenario(sc, keep));
      }
      const known = diffs.filter((d) => d.known), real = diffs.filter((d) => !d.known);
      if (known.length) t.diagnostic(`known differences (not bond code):\n${formatDiffs(sc, known)}`);
      if (real.length) throw new Error(`${real.length} step(s) differ from ovs-vswitchd\n${formatDiffs(sc, real)}${keep ? `\n(kept ${dirs.ovs} ${dirs.weft})` : ''}`);
    });
  }
}
