/**
 * OVSDB's standalone log: the record framing of a database file, byte-compatible
 * with Open vSwitch's ovsdb/log.c.
 *
 * A file is a sequence of records. Each record is a header line and a body:
 *
 *     OVSDB JSON <length> <sha1>\n<body>
 *
 * where <body> is compact JSON text followed by "\n", <length> its size in
 * bytes (newline included, decimal, never 0) and <sha1> the 40 lowercase hex
 * digits of the SHA-1 of those same bytes. The body must be a JSON object.
 * "JSON" is the magic of standalone files; clustered (Raft) files use the same
 * framing with the magic "CLUSTER", and Weft refuses them.
 *
 * Reading (`scanLog`) returns every whole, checksum-valid record. It stops at
 * the first bad one (a header line cut short or malformed, longer than OVS's
 * 127-byte header buffer, a body shorter than its length, a wrong hash, text
 * that is not a JSON object) and reports it as a warning worded as
 * ovsdb-server words it, plus `validEnd`, the offset where the good data ends.
 * That is how a crash mid-append shows up, so it is not an error: like
 * ovsdb-server, the writer truncates the file at `validEnd` before its first
 * append, and the torn tail is gone. Only problems with the first header
 * (empty file, not an OVSDB file, a clustered file) are errors.
 *
 * Writing (`LogWriter`) appends records. `appendBatch` is asynchronous and
 * commits in groups: every batch handed in while a write is on its way joins
 * the next one, and each group costs one write(2) and one fdatasync(2), so a
 * server can acknowledge many transactions per disk flush. A batch's promise
 * resolves only once its bytes are on disk. `appendSync` is the blocking
 * variant for tools. A failed write truncates back to the last good offset.
 *
 * Replacement (`replaceLog`, `LogWriter.replace`) is how compaction stays
 * atomic: the new contents go to "<file>.tmp" in the same directory (symlinks
 * followed, as OVS does), which is fsynced, renamed over the original, and
 * then the directory is fsynced, so a crash leaves either the old file or the
 * new one, never a mix.
 *
 * No file locking: Node has no fcntl locks, so Weft does not take OVS's
 * ".<name>.~lock~" lock; do not run Weft and ovsdb-server on one file at once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { jsonParseErrorText } from './ovs-json.js';

export const STANDALONE_MAGIC = 'JSON';
export const CLUSTERED_MAGIC = 'CLUSTER';

/** OVS reads a header with fgets into a 128-byte buffer. */
const MAX_HEADER = 127;
const HEADER_RE = /^OVSDB ([^ \n]*) ([0-9]+) ([0-9a-fA-F]{40})\n$/;

/**
 * An error in OVSDB's own words: `[syntax "<json>": ]<tag>: <details>[ (<errno text>)]`,
 * as ovsdb_error_to_string prints it. Tags: "I/O error", "syntax error", "ovsdb error".
 */
export class OvsdbError extends Error {
  readonly tag: string;
  readonly details: string;
  /** The offending JSON, sorted, when OVS names it. */
  readonly syntax: string | undefined;
  constructor(tag: string, details: string, options: { syntax?: string; errno?: string } = {}) {
    const prefix = options.syntax !== undefined ? `syntax "${options.syntax}": ` : '';
    const suffix = options.errno !== undefined ? ` (${options.errno})` : '';
    super(`${prefix}${tag}${details ? `: ${details}` : ''}${suffix}`);
    this.name = 'OvsdbError';
    this.tag = tag;
    this.details = details;
    this.syntax = options.syntax;
  }
}

/** An I/O error from a Node system error, with strerror(3)'s wording. */
export function ioError(details: string, e: unknown): OvsdbError {
  return new OvsdbError('I/O error', details, { errno: errnoText(e) });
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory', EEXIST: 'File exists', EACCES: 'Permission denied',
  EISDIR: 'Is a directory', ENOTDIR: 'Not a directory', ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system', EPERM: 'Operation not permitted', EIO: 'Input/output error',
  EBADF: 'Bad file descriptor', EDQUOT: 'Disk quota exceeded', ELOOP: 'Too many levels of symbolic links',
};

export function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return (code && ERRNO_TEXT[code]) ?? (e instanceof Error ? e.message : String(e));
}

export interface LogRecord {
  json: Record<string, unknown>;
  /** Offset of the record's header line. */
  offset: number;
  /** Offset just past the record's body. */
  end: number;
}

export interface LogScan {
  records: LogRecord[];
  /** Offset where the last good record ends: the file's length when nothing was wrong. */
  validEnd: number;
  /** Why reading stopped before the end of the file, or null. */
  warning: string | null;
  /** The same, as an error to throw where a damaged record is fatal. */
  error: OvsdbError | null;
}

export interface ScanOptions {
  /** Stop after this many good records (e.g. 1 to read only the schema). */
  maxRecords?: number;
}

/** Header line and body for one record, as bytes ready to append. */
export function encodeRecord(json: object | string, magic = STANDALONE_MAGIC): Buffer {
  const body = Buffer.from((typeof json === 'string' ? json : JSON.stringify(json)) + '\n', 'utf8');
  const sha1 = createHash('sha1').update(body).digest('hex');
  return Buffer.concat([Buffer.from(`OVSDB ${magic} ${body.length} ${sha1}\n`, 'latin1'), body]);
}

/**
 * Checks the first header of a standalone file: throws the error ovsdb-tool
 * reports for an empty file, a file that is not OVSDB's, or a clustered file.
 */
export function checkFileType(buf: Buffer, name: string): void {
  if (buf.length === 0) throw new OvsdbError('ovsdb error', `${name}: cannot identify file type`);
  const header = readHeaderLine(buf, 0);
  const m = header.complete ? HEADER_RE.exec(header.text) : null;
  if (!m || m[2] === '' || Number(m[2]) === 0) throw new OvsdbError('ovsdb error', `${name}: unexpected file format`);
  if (m[1] === CLUSTERED_MAGIC) {
    throw new OvsdbError('ovsdb error', `${name}: cannot apply this operation to clustered database file`);
  }
  if (m[1] !== STANDALONE_MAGIC) throw new OvsdbError('ovsdb error', `${name}: cannot identify file type`);
}

/** Reads every good record of a standalone log held in `buf` (see the essay). */
export function scanLog(buf: Buffer, name: string, options: ScanOptions = {}): LogScan {
  checkFileType(buf, name);
  const records: LogRecord[] = [];
  const max = options.maxRecords ?? Infinity;
  let offset = 0;
  while (offset < buf.length && records.length < max) {
    const header = readHeaderLine(buf, offset);
    const m = header.complete ? HEADER_RE.exec(header.text) : null;
    if (!m || m[1] !== STANDALONE_MAGIC || Number(m[2]) === 0) {
      // OVS's header parser cuts the line after the magic once it has seen the space
      // that ends it, and prints the line only up to that cut.
      const lead = /^OVSDB [^ \n]* /.exec(header.text);
      const line = lead ? lead[0].slice(0, -1) : header.text.split('\n')[0];
      return stop(records, offset, new OvsdbError('syntax error', `${name}: parse error at offset ${offset} in header line "${line}"`));
    }
    const length = Number(m[2]);
    const dataOffset = offset + header.text.length;
    if (dataOffset + length > buf.length) {
      return stop(records, offset, new OvsdbError('I/O error', `${name}: error reading ${length} bytes starting at offset ${dataOffset}`, { errno: 'End of file' }));
    }
    const body = buf.subarray(dataOffset, dataOffset + length);
    const actual = createHash('sha1').update(body).digest('hex');
    const expected = m[3]!.toLowerCase();
    if (actual !== expected) {
      return stop(records, offset, new OvsdbError('syntax error', `${name}: ${length} bytes starting at offset ${dataOffset} have SHA-1 hash ${actual} but should have hash ${expected}`));
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (e) {
      return stop(records, offset, new OvsdbError('syntax error', `${name}: ${length} bytes starting at offset ${dataOffset} are not valid JSON (${jsonParseErrorText(body.toString('utf8'), e)})`));
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      return stop(records, offset, new OvsdbError('syntax error', `${name}: ${length} bytes starting at offset ${dataOffset} are not a JSON object`));
    }
    records.push({ json: json as Record<string, unknown>, offset, end: dataOffset + length });
    offset = dataOffset + length;
  }
  return { records, validEnd: offset, warning: null, error: null };
}

function stop(records: LogRecord[], offset: number, error: OvsdbError): LogScan {
  return { records, validEnd: offset, warning: error.message, error };
}

/** The header line at `offset` as fgets(buf, 128) would return it. */
function readHeaderLine(buf: Buffer, offset: number): { text: string; complete: boolean } {
  const limit = Math.min(buf.length, offset + MAX_HEADER);
  const nl = buf.indexOf(0x0a, offset);
  const end = nl >= 0 && nl < limit ? nl + 1 : limit;
  return { text: buf.subarray(offset, end).toString('latin1'), complete: nl >= 0 && nl < limit };
}

/** Reads and scans a whole log file; file-level problems throw `OvsdbError`. */
export function readLog(file: string, options: ScanOptions & { displayName?: string } = {}): LogScan {
  const displayName = options.displayName ?? file;
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw ioError(`${displayName}: open failed`, e);
  }
  return scanLog(buf, displayName, options);
}

interface PendingBatch {
  bytes: Buffer[];
  waiters: { resolve: () => void; reject: (e: unknown) => void }[];
}

/** Appends records to a log file; see the essay for the commit rules. */
export class LogWriter {
  private fd: number;
  private offset: number;
  /** Bytes past this offset are a torn tail, cut before the first write. */
  private truncatePending: boolean;
  private pending: PendingBatch | null = null;
  private flushing: Promise<void> | null = null;
  private closed = false;
  private syncs = 0;

  private constructor(private readonly file: string, fd: number, offset: number, truncatePending: boolean) {
    this.fd = fd;
    this.offset = offset;
    this.truncatePending = truncatePending;
  }

  /** Creates a new, empty log file; refuses an existing one, as `ovsdb-tool create` does. */
  static create(file: string): LogWriter {
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o660);
    } catch (e) {
      throw ioError(`${file}: create failed`, e);
    }
    fsyncDirectory(path.dirname(path.resolve(file)));
    return new LogWriter(file, fd, 0, false);
  }

  /** Opens an existing log for appending after its last good record at `validEnd`. */
  static open(file: string, validEnd: number): LogWriter {
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_RDWR);
    } catch (e) {
      throw ioError(`${file}: open failed`, e);
    }
    const size = fs.fstatSync(fd).size;
    return new LogWriter(file, fd, validEnd, size !== validEnd);
  }

  /** Size of the log's good data, including everything appended so far. */
  get size(): number {
    return this.offset;
  }

  /** Disk flushes done for appends so far (one per group commit). */
  get syncCount(): number {
    return this.syncs;
  }

  /** Appends `records` durably; batches handed in meanwhile share one write and one sync. */
  appendBatch(records: readonly (object | string)[]): Promise<void> {
    if (this.closed) return Promise.reject(new OvsdbError('I/O error', `${this.file}: log is closed`));
    return new Promise<void>((resolve, reject) => {
      if (!this.pending) this.pending = { bytes: [], waiters: [] };
      for (const r of records) this.pending.bytes.push(encodeRecord(r));
      this.pending.waiters.push({ resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  /** Appends `records` and syncs before returning (for tools). */
  appendSync(records: readonly (object | string)[]): void {
    if (this.flushing) throw new Error('appendSync while asynchronous appends are in flight');
    const data = Buffer.concat(records.map((r) => encodeRecord(r)));
    this.prepareWrite();
    try {
      writeAllSync(this.fd, data, this.offset);
      fs.fdatasyncSync(this.fd);
      this.syncs++;
    } catch (e) {
      this.rollback();
      throw ioError(`${this.file}: write failed`, e);
    }
    this.offset += data.length;
  }

  /** Resolves once every batch handed in so far is on disk (or failed). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /**
   * Atomically replaces the whole log with `records` (compaction); later
   * appends go to the new file.
   */
  async replace(records: readonly (object | string)[]): Promise<void> {
    await this.drain();
    const { fd, size } = await writeReplacement(this.file, records);
    fs.closeSync(this.fd);
    this.fd = fd;
    this.offset = size;
    this.truncatePending = false;
  }

  replaceSync(records: readonly (object | string)[]): void {
    if (this.flushing) throw new Error('replaceSync while asynchronous appends are in flight');
    const { fd, size } = writeReplacementSync(this.file, records);
    fs.closeSync(this.fd);
    this.fd = fd;
    this.offset = size;
    this.truncatePending = false;
  }

  async close(): Promise<void> {
    await this.drain();
    this.closeSync();
  }

  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }

  private async flushLoop(): Promise<void> {
    while (this.pending) {
      const batch = this.pending;
      this.pending = null;
      const data = Buffer.concat(batch.bytes);
      try {
        this.prepareWrite();
        await writeAll(this.fd, data, this.offset);
        await new Promise<void>((res, rej) => fs.fdatasync(this.fd, (e) => (e ? rej(e) : res())));
        this.syncs++;
        this.offset += data.length;
        for (const w of batch.waiters) w.resolve();
      } catch (e) {
        this.rollback();
        const err = e instanceof OvsdbError ? e : ioError(`${this.file}: write failed`, e);
        for (const w of batch.waiters) w.reject(err);
      }
    }
    this.flushing = null;
  }

  private prepareWrite(): void {
    if (!this.truncatePending) return;
    try {
      fs.ftruncateSync(this.fd, this.offset);
    } catch (e) {
      throw ioError(`${this.file}: cannot truncate to length ${this.offset}`, e);
    }
    this.truncatePending = false;
  }

  /** Removes a partly written batch; errors are ignored, as there is nothing more to do. */
  private rollback(): void {
    try {
      fs.ftruncateSync(this.fd, this.offset);
    } catch {
      this.truncatePending = true;
    }
  }
}

function writeAllSync(fd: number, data: Buffer, position: number): void {
  let done = 0;
  while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, position + done);
}

async function writeAll(fd: number, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    done += await new Promise<number>((res, rej) =>
      fs.write(fd, data, done, data.length - done, position + done, (e, n) => (e ? rej(e) : res(n))));
  }
}

/** fsync(2) on a directory, so a created or renamed entry survives a crash. */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; OVS ignores that too.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Where the new contents are written before the rename: "<target>.tmp", symlinks followed. */
export function temporaryName(file: string): string {
  let target = file;
  try {
    target = fs.realpathSync(file);
  } catch {
    // A file that does not exist yet is replaced under its own name.
  }
  return `${target}.tmp`;
}

function openTemporary(file: string): { tmp: string; target: string } {
  const tmp = temporaryName(file);
  try {
    fs.unlinkSync(tmp);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(`failed to remove ${tmp}`, e);
  }
  return { tmp, target: tmp.slice(0, -'.tmp'.length) };
}

function writeReplacementSync(file: string, records: readonly (object | string)[]): { fd: number; size: number } {
  const { tmp, target } = openTemporary(file);
  const data = Buffer.concat(records.map((r) => encodeRecord(r)));
  let fd: number;
  try {
    fd = fs.openSync(tmp, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o660);
  } catch (e) {
    throw ioError(`${tmp}: create failed`, e);
  }
  try {
    writeAllSync(fd, data, 0);
    fs.fsyncSync(fd);
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.closeSync(fd);
    try { fs.unlinkSync(tmp); } catch { /* already gone */ }
    throw ioError(`failed to replace "${target}"`, e);
  }
  fsyncDirectory(path.dirname(target));
  return { fd, size: data.length };
}

async function writeReplacement(file: string, records: readonly (object | string)[]): Promise<{ fd: number; size: number }> {
  const { tmp, target } = openTemporary(file);
  const data = Buffer.concat(records.map((r) => encodeRecord(r)));
  const fd = await new Promise<number>((res, rej) =>
    fs.open(tmp, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o660, (e, fd) => (e ? rej(ioError(`${tmp}: create failed`, e)) : res(fd))));
  try {
    await writeAll(fd, data, 0);
    await new Promise<void>((res, rej) => fs.fsync(fd, (e) => (e ? rej(e) : res())));
    await fs.promises.rename(tmp, target);
  } catch (e) {
    fs.closeSync(fd);
    await fs.promises.unlink(tmp).catch(() => undefined);
    throw ioError(`failed to replace "${target}"`, e);
  }
  fsyncDirectory(path.dirname(target));
  return { fd, size: data.length };
}

/** Atomically replaces (or creates) `file` with exactly `records`. */
export function replaceLog(file: string, records: readonly (object | string)[]): void {
  const { fd } = writeReplacementSync(file, records);
  fs.closeSync(fd);
}
