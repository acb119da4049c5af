/**
 * Test harness for `weft vsctl`: starts an OVSDB server (Weft's or the real
 * ovsdb-server) on a fresh Open_vSwitch database in a temporary directory,
 * runs shell steps against it with `$V` bound to the client under test, and
 * normalizes outputs so that runs with different random uuids compare:
 * uuids are numbered <0>, <1>… in order of appearance, log timestamps are
 * masked, and `weft vsctl:` reads as `ovs-vsctl:`. Steps whose output order
 * depends on uuids (several rows, `show` with several bridges) declare a
 * normalizer that sorts lines, paragraphs or the `show` tree.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const WEFT = path.join(ROOT, 'bin/weft');
export const VSCTL_ENTRY = path.join(ROOT, 'dist/src/cli/vsctl-entry.js');
export const WRAPPER_BIN = path.join(ROOT, 'test/helpers/weft-vsctl-bin');
export const SCHEMA = path.join(ROOT, 'schemas/vswitch.ovsschema');
const SYS_PATH = `${process.env.PATH}:/usr/sbin:/sbin:/usr/local/sbin`;

export type ServerKind = 'weft' | 'real';
export type ClientKind = 'ovs' | 'weft';

export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { env: { ...process.env, PATH: SYS_PATH } }).status === 0;
}

export interface Server { dir: string; stop(): Promise<void> }

export async function startServer(kind: ServerKind): Promise<Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsctl-'));
  const db = path.join(dir, 'conf.db');
  const r = spawnSync('ovsdb-tool', ['create', db, SCHEMA], { env: { ...process.env, PATH: SYS_PATH } });
  if (r.status !== 0) throw new Error(`ovsdb-tool create: ${r.stderr}`);
  const sock = path.join(dir, 'db.sock');
  const args = [`--remote=punix:${sock}`, `--pidfile=${path.join(dir, 'ovsdb-server.pid')}`, db];
  const env = { ...process.env, PATH: SYS_PATH, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir };
  const child: ChildProcess = kind === 'weft'
    ? spawn(WEFT, ['ovsdb-server', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn('ovsdb-server', ['--no-chdir', `--log-file=${path.join(dir, 'ovsdb-server.log')}`, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.resume();
  for (let i = 0; i < 200 && !fs.existsSync(sock); i++) await new Promise((res) => setTimeout(res, 25));
  if (!fs.existsSync(sock)) { child.kill('SIGKILL'); throw new Error(`${kind} ovsdb-server did not start`); }
  return {
    dir,
    stop: () => new Promise<void>((res) => {
      if (child.exitCode !== null) { res(); return; }
      child.once('exit', () => { fs.rmSync(dir, { recursive: true, force: true }); res(); });
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    }),
  };
}

/** A shell step: `$V` is the client (with --no-wait), `$VW` the client without it. */
export interface Step { sh: string; norm?: 'lines' | 'paragraphs' | 'tree' }
export type StepSpec = string | Step;

export interface StepResult { sh: string; stdout: string; stderr: string; status: number | null }

export function clientCommand(client: ClientKind): string {
  return client === 'ovs' ? 'ovs-vsctl' : `node ${VSCTL_ENTRY}`;
}

export function runStep(step: Step, server: Server, client: ClientKind): Promise<StepResult> {
  const V = clientCommand(client);
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', step.sh], {
      cwd: server.dir,
      env: {
        ...process.env, PATH: SYS_PATH, OVS_RUNDIR: server.dir, OVS_LOGDIR: server.dir,
        V: `${V} --no-wait`, VW: V, WEFT_VSCTL_PROG: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ sh: step.sh, stdout, stderr, status: status ?? (signal ? 128 : null) });
    });
  });
}

export async function runScenario(steps: StepSpec[], server: ServerKind, client: ClientKind): Promise<StepResult[]> {
  const s = await startServer(server);
  try {
    const out: StepResult[] = [];
    for (const spec of steps) out.push(await runStep(typeof spec === 'string' ? { sh: spec } : spec, s, client));
    return out;
  } finally {
    await s.stop();
  }
}

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Numbers uuids in order of appearance across a whole run (shared map). */
export class UuidFilter {
  private readonly map = new Map<string, string>();
  apply(s: string): string {
    return s.replace(UUID_RE, (u) => {
      if (!this.map.has(u)) this.map.set(u, `<${this.map.size}>`);
      return this.map.get(u)!;
    });
  }
}

function maskCommon(s: string): string {
  return s
    .replace(/^weft vsctl: /gm, 'ovs-vsctl: ')
    .replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\|/gm, '<time>|')
    .replace(/>[0-9a-f]{8}<\/a>/g, '><uuid8></a>')
    .replace(/(bash: line \d+: +)\d+ (Alarm clock)/g, '$1<pid> $2')
    .replace(/^bash: line \d+: +\d+ Alarm clock.*$/gm, '<alarm>');
}

/** Sorts the `show` tree: each block with its indented children, siblings in text order. */
export function sortTree(text: string): string {
  const lines = text.split('\n').filter((l) => l !== '');
  const indent = (l: string): number => l.length - l.trimStart().length;
  const build = (start: number, end: number): string[] => {
    const blocks: string[] = [];
    let i = start;
    while (i < end) {
      let j = i + 1;
      while (j < end && indent(lines[j]!) > indent(lines[i]!)) j++;
      blocks.push([lines[i]!, ...build(i + 1, j)].join('\n'));
      i = j;
    }
    return blocks.sort();
  };
  return build(0, lines.length).join('\n') + (lines.length ? '\n' : '');
}

export function normalize(r: StepResult, step: Step, uuids: UuidFilter): StepResult {
  let stdout = maskCommon(r.stdout), stderr = maskCommon(r.stderr);
  if (step.norm) {
    const anon = (s: string): string => s.replace(UUID_RE, '<uuid>');
    stdout = anon(stdout);
    if (step.norm === 'lines') stdout = stdout.split('\n').filter((l) => l).sort().join('\n');
    else if (step.norm === 'paragraphs') stdout = stdout.split('\n\n').map((p) => p.trim()).sort().join('\n\n');
    else stdout = sortTree(stdout);
  } else {
    stdout = uuids.apply(stdout);
  }
  stderr = uuids.apply(stderr);
  return { sh: r.sh, stdout, stderr, status: r.status };
}

export function normalizeRun(results: StepResult[], steps: StepSpec[]): StepResult[] {
  const uuids = new UuidFilter();
  return results.map((r, i) => {
    const s = steps[i]!;
    return normalize(r, typeof s === 'string' ? { sh: s } : s, uuids);
  });
}
