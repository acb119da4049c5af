/**
 * The native addon (native/weft_io.c, built by node-gyp into
 * build/Release/weft_io.node): TAP devices, AF_PACKET sockets, batched
 * receive and send, a few interface ioctls and a link-change monitor.
 *
 * Loaded lazily: the dummy datapath (tests, acceptance scenarios) works on
 * machines where the addon was never built, and the first real device names
 * the problem in plain words instead of a stack trace.
 */
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface IfInfo {
  readonly ifindex: number;
  readonly mtu: number;
  readonly mac: number;
  readonly up: boolean;
  readonly running: boolean;
}

/** The addon's exports (see native/weft_io.c for the semantics of each). */
export interface WeftIo {
  openTap(name: string): number;
  openPacket(ifname: string): number;
  close(fd: number): void;
  /**
   * Reads up to BATCH frames straight into `slab` (BATCH * SLOT bytes, reused: no copy, no
   * allocation) and returns how many, or null; `meta` gets [offset in the slab, length, gsoType,
   * gsoSize] per frame, length -1 after the last. The frames are valid until the slab's next recv.
   */
  recv(fd: number, isTap: boolean, meta: Int32Array, slab: Buffer): number | null;
  /** Sends frames; `gso[i]` > 0 passes frame i on as a super-segment of that segment size. Returns frames accepted. */
  send(fd: number, isTap: boolean, frames: readonly Buffer[], gso: Int32Array | null): number;
  /** Cuts a TCP/UDP super-segment into frames of `gsoSize` payload bytes, checksums complete. */
  segment(frame: Buffer, gsoSize: number): Buffer[];
  ifinfo(name: string): IfInfo;
  setMtu(name: string, mtu: number): void;
  setUp(name: string, up: boolean): void;
  setMac(name: string, mac: number): void;
  openLinkMonitor(): number;
  drain(fd: number): number;
  watch(fd: number, cb: (status: number) => void): object;
  unwatch(handle: object): void;
  unref(handle: object): void;
  readonly META_FIELDS: number;
  readonly BATCH: number;
  readonly SLOT: number;
}

/** Where the addon may be, relative to this module in dist/src/netdev or src/netdev. */
function candidates(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const out: string[] = [];
  for (let dir = here, i = 0; i < 5; i++, dir = path.dirname(dir)) {
    out.push(path.join(dir, 'build', 'Release', 'weft_io.node'));
  }
  return out;
}

let loaded: WeftIo | null = null;
let loadError: string | null = null;

/** The addon, or throws an Error whose message says how to build it. */
export function nativeIo(): WeftIo {
  if (loaded) return loaded;
  if (loadError) throw new Error(loadError);
  const require = createRequire(import.meta.url);
  for (const file of candidates()) {
    if (!fs.existsSync(file)) continue;
    try {
      loaded = require(file) as WeftIo;
      return loaded;
    } catch (e) {
      loadError = `cannot load the native I/O addon ${file}: ${(e as Error).message}`;
      throw new Error(loadError);
    }
  }
  loadError = 'the native I/O addon (build/Release/weft_io.node) is not built: run scripts/setup.sh (or `npm run build:native`)';
  throw new Error(loadError);
}

/** The addon if it loads, else null (for capability checks). */
export function tryNativeIo(): WeftIo | null {
  try { return nativeIo(); } catch { return null; }
}
