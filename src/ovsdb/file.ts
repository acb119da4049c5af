/**
 * A database file in Open vSwitch's standalone format, readable and writable
 * by both Weft and the real ovsdb-server / ovsdb-tool.
 *
 * Layout (framing in log.ts): record 0 is the schema (RFC 7047 §3.2 JSON,
 * written in the canonical form OVS writes, see file-schema.ts); each later
 * record is one committed transaction (format and `_is_diff` semantics in
 * file-replay.ts). Compaction rewrites the file as the schema plus a single
 * snapshot record that inserts every row.
 *
 * Opening replays every record into `rows` (the final state, values in wire
 * notation, only columns some record wrote). A torn or corrupt tail, or a
 * record that cannot be applied, ends the replay with a warning in `warnings`;
 * the data after it is cut off before the next append, as ovsdb-server does.
 * A bad schema record, an empty or foreign file, or a clustered file is an
 * `OvsdbError` instead.
 *
 * Writing: `append` hands transaction records to the log's group commit and
 * resolves once they are on disk; `compact` atomically replaces the file.
 * Appends handed in during a compaction wait for it and land in the new file,
 * so nothing written is lost; the caller passes rows that include every
 * transaction it has appended.
 *
 * When to compact (`shouldCompact(now)`) follows ovsdb-server's rule for
 * standalone databases, with time injected:
 * - never before a random point 10 to 20 minutes after opening or after the
 *   last compaction (`nextCompactionMin`);
 * - until 24 hours have passed since then: when the log holds at least 100
 *   records, exceeds 10 MiB, and is more than twice its size right after the
 *   last compaction (at open: the size of the schema plus the first record);
 * - after 24 hours: whenever anything was appended since the last compaction.
 * (OVS counts records since the process started; Weft counts records in the
 * current file, which differs only in that a fresh compaction restarts the
 * count.)
 */
import * as fs from 'node:fs';
import {
  LogWriter, OvsdbError, readLog,
} from './log.js';
import { parseSchemaJson, canonicalSchemaJson, type SchemaInfo } from './file-schema.js';
import { Replay, snapshotRecord, type DbRows } from './file-replay.js';
import { ovsJson } from './ovs-json.js';

export type { DbRows } from './file-replay.js';

/** Log size below which ovsdb-server never compacts on growth. */
export const COMPACT_MIN_BYTES = 10 * 1024 * 1024;
/** Records the log must hold before compacting on growth. */
export const COMPACT_MIN_RECORDS = 100;
const MINUTE = 60 * 1000;
const COMPACT_DELAY_MIN = 10 * MINUTE;
const COMPACT_DELAY_RANGE = 10 * MINUTE;
const COMPACT_MAX_INTERVAL = 24 * 60 * MINUTE;

export interface DbFileOptions {
  /** Clock for the compaction schedule, ms since the epoch (default Date.now). */
  now?: () => number;
  /** Random source in [0, 1) for the compaction schedule (default Math.random). */
  random?: () => number;
}

export interface DbFileOpenOptions extends DbFileOptions {
  /** Read only: nothing is truncated, and append/compact throw. */
  readOnly?: boolean;
}

export interface OpenedDbFile {
  file: DbFile;
  /** Record 0 as stored. */
  schema: Record<string, unknown>;
  schemaInfo: SchemaInfo;
  rows: DbRows;
  /** Transaction records replayed (the schema not counted). */
  txnCount: number;
  warnings: string[];
}

export interface CompactOptions {
  /** `_comment` of the snapshot record. */
  comment?: string;
}

export class DbFile {
  /** Size of the log right after the last compaction (OVS's "base"). */
  private base: number;
  private recordCount: number;
  private appendedSinceCompaction = 0;
  private nextMin = 0;
  private nextMax = 0;
  private compacting: Promise<void> | null = null;
  private readonly clock: () => number;
  private readonly random: () => number;

  private constructor(
    readonly path: string,
    private readonly writer: LogWriter | null,
    private readonly readonlySize: number,
    state: { base: number; recordCount: number },
    options: DbFileOptions,
  ) {
    this.base = state.base;
    this.recordCount = state.recordCount;
    this.clock = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.schedule();
  }

  /**
   * Creates `file` holding only `schemaJson`, in the bytes `ovsdb-tool create`
   * would write; refuses a file that exists. The schema is validated first.
   */
  static create(file: string, schemaJson: unknown, options: DbFileOptions = {}): DbFile {
    const text = ovsJson(canonicalSchemaJson(parseSchemaJson(schemaJson)));
    const writer = LogWriter.create(file);
    try {
      writer.appendSync([text]);
    } catch (e) {
      writer.closeSync();
      fs.rmSync(file, { force: true });
      throw e;
    }
    return new DbFile(file, writer, 0, { base: 0, recordCount: 1 }, options);
  }

  /** Opens and replays `file` (see the essay). */
  static open(file: string, options: DbFileOpenOptions = {}): OpenedDbFile {
    const scan = readLog(file);
    const first = scan.records[0];
    if (!first) throw scan.error ?? new OvsdbError('ovsdb error', 'unexpected end of file reading schema');
    const schemaInfo = parseSchemaJson(first.json);
    const replay = new Replay(schemaInfo);
    const warnings: string[] = [];
    let validEnd = scan.validEnd;
    let applied = 1;
    for (const rec of scan.records.slice(1)) {
      try {
        replay.apply(rec.json);
      } catch (e) {
        if (!(e instanceof OvsdbError)) throw e;
        warnings.push(e.message);
        validEnd = rec.offset;
        break;
      }
      applied++;
    }
    if (scan.warning && applied === scan.records.length) warnings.push(scan.warning);
    const rows = replay.finish();
    const base = applied >= 2 ? scan.records[1]!.end : 0;
    const writer = options.readOnly ? null : LogWriter.open(file, validEnd);
    const dbFile = new DbFile(file, writer, validEnd, { base, recordCount: applied }, options);
    return { file: dbFile, schema: first.json, schemaInfo, rows, txnCount: applied - 1, warnings };
  }

  /** Bytes of good data in the file, including appends. */
  get size(): number {
    return this.writer ? this.writer.size : this.readonlySize;
  }

  /** Disk flushes done for appends (one per group commit). */
  get syncCount(): number {
    return this.writer?.syncCount ?? 0;
  }

  /** Good records in the file, schema included (those read at open or written since the last compaction, plus appends). */
  get records(): number {
    return this.recordCount;
  }

  /** Records appended since opening or the last compaction. */
  get recordsSinceCompaction(): number {
    return this.appendedSinceCompaction;
  }

  /** Earliest time `shouldCompact` may say yes. */
  get nextCompactionMin(): number {
    return this.nextMin;
  }

  /** Appends transaction records; resolves once they are on disk (group commit). */
  async append(txnRecords: readonly object[]): Promise<void> {
    const writer = this.writable();
    while (this.compacting) await this.compacting;
    this.recordCount += txnRecords.length;
    this.appendedSinceCompaction += txnRecords.length;
    await writer.appendBatch(txnRecords);
  }

  /** Appends and syncs before returning (tools). */
  appendSync(txnRecords: readonly object[]): void {
    this.writable().appendSync(txnRecords);
    this.recordCount += txnRecords.length;
    this.appendedSinceCompaction += txnRecords.length;
  }

  /** Atomically rewrites the file as `schemaJson` plus one snapshot of `rows`. */
  async compact(schemaJson: unknown, rows: DbRows, options: CompactOptions = {}): Promise<void> {
    const writer = this.writable();
    while (this.compacting) await this.compacting;
    const records = this.compactionRecords(schemaJson, rows, options);
    this.compacting = writer.replace(records).finally(() => { this.compacting = null; });
    await this.compacting;
    this.compacted(records.length);
  }

  compactSync(schemaJson: unknown, rows: DbRows, options: CompactOptions = {}): void {
    const records = this.compactionRecords(schemaJson, rows, options);
    this.writable().replaceSync(records);
    this.compacted(records.length);
  }

  /** ovsdb-server's snapshot rule (see the essay). */
  shouldCompact(now = this.clock()): boolean {
    if (!this.writer || now < this.nextMin) return false;
    if (now >= this.nextMax) return this.appendedSinceCompaction > 0;
    return this.recordCount >= COMPACT_MIN_RECORDS && this.grewLots();
  }

  async close(): Promise<void> {
    while (this.compacting) await this.compacting;
    await this.writer?.close();
  }

  closeSync(): void {
    this.writer?.closeSync();
  }

  private grewLots(): boolean {
    const size = this.size;
    return size > COMPACT_MIN_BYTES && Math.floor(size / 2) > this.base;
  }

  private compactionRecords(schemaJson: unknown, rows: DbRows, options: CompactOptions): (object | string)[] {
    const schema = parseSchemaJson(schemaJson);
    const snapshot = snapshotRecord(schema, rows, { ...options, date: this.clock() });
    return [ovsJson(canonicalSchemaJson(schema)), snapshot];
  }

  private compacted(records: number): void {
    this.recordCount = records;
    this.appendedSinceCompaction = 0;
    this.base = this.size;
    this.schedule();
  }

  private schedule(): void {
    const now = this.clock();
    this.nextMin = now + COMPACT_DELAY_MIN + Math.floor(this.random() * COMPACT_DELAY_RANGE);
    this.nextMax = now + COMPACT_MAX_INTERVAL;
  }

  private writable(): LogWriter {
    if (!this.writer) throw new OvsdbError('ovsdb error', `${this.path}: database is open read-only`);
    return this.writer;
  }
}

/**
 * Reads only the schema record of a standalone file (ovsdb-tool's db-*
 * commands); a damaged schema record is an error, worded as ovsdb-tool's.
 */
export function readSchemaRecord(file: string): { schema: Record<string, unknown>; info: SchemaInfo } {
  const scan = readLog(file, { maxRecords: 1 });
  const first = scan.records[0];
  if (!first) throw scan.error ?? new OvsdbError('ovsdb error', 'unexpected end of file reading schema');
  return { schema: first.json, info: parseSchemaJson(first.json) };
}
