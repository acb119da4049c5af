/**
 * Stream names in Open vSwitch's vocabulary: active `unix:PATH` and
 * `tcp:IP:PORT`, passive `punix:PATH` and `ptcp:PORT[:IP]`. Parsing happens
 * once at the edge; the rest of Weft passes the parsed form around.
 */
import * as net from 'node:net';
import * as fs from 'node:fs';

export type ActiveRemote = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };
export type PassiveRemote = { kind: 'punix'; path: string } | { kind: 'ptcp'; host: string; port: number };

export class StreamNameError extends Error {}

function parsePort(s: string, name: string): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || n > 65535) throw new StreamNameError(`${name}: bad port number "${s}"`);
  return n;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export function parseActive(name: string): ActiveRemote {
  if (name.startsWith('unix:')) return { kind: 'unix', path: name.slice(5) };
  if (name.startsWith('tcp:')) {
    const rest = name.slice(4);
    const i = rest.lastIndexOf(':');
    if (i < 0) throw new StreamNameError(`${name}: port number must be specified`);
    return { kind: 'tcp', host: unbracket(rest.slice(0, i)), port: parsePort(rest.slice(i + 1), name) };
  }
  throw new StreamNameError(`${name}: unknown stream type (use unix: or tcp:)`);
}

export function parsePassive(name: string): PassiveRemote {
  if (name.startsWith('punix:')) return { kind: 'punix', path: name.slice(6) };
  if (name.startsWith('ptcp:')) {
    const rest = name.slice(5);
    const i = rest.indexOf(':');
    const port = parsePort(i < 0 ? rest : rest.slice(0, i), name);
    const host = i < 0 ? '0.0.0.0' : unbracket(rest.slice(i + 1));
    return { kind: 'ptcp', host, port };
  }
  throw new StreamNameError(`${name}: unknown passive stream type (use punix: or ptcp:)`);
}

export function isPassiveName(name: string): boolean {
  return name.startsWith('punix:') || name.startsWith('ptcp:');
}

export function connect(remote: ActiveRemote): net.Socket {
  return remote.kind === 'unix'
    ? net.createConnection({ path: remote.path })
    : net.createConnection({ host: remote.host, port: remote.port });
}

/** Starts listening; resolves once bound. A stale unix socket file is replaced. */
export function listen(remote: PassiveRemote, onSocket: (s: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer({ noDelay: true }, onSocket);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => { server.off('error', reject); resolve(server); };
    if (remote.kind === 'punix') {
      try { fs.unlinkSync(remote.path); } catch { /* not there */ }
      server.listen(remote.path, done);
    } else {
      server.listen(remote.port, remote.host, done);
    }
  });
}

export function describePassive(r: PassiveRemote): string {
  return r.kind === 'punix' ? `punix:${r.path}` : `ptcp:${r.port}:${r.host}`;
}
