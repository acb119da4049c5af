/**
 * RFC 7047 §2.1 stream framing: JSON-RPC messages are JSON texts written
 * back to back on a stream, with no delimiter between them. A message may be
 * split across reads and several may arrive in one read.
 *
 * The framer scans bytes once, tracking string/escape state and bracket
 * depth, and cuts a message out when a top-level object closes; only then
 * is the slice handed to JSON.parse. This keeps the scan linear in the input
 * however it is split, and lets us refuse hostile input early: a top-level
 * value that is not an object, nesting deeper than MAX_DEPTH, or a single
 * message larger than MAX_MESSAGE bytes is a framing error, after which the
 * session must be closed (the stream position is no longer trustworthy).
 */

export const MAX_DEPTH = 1000;
export const MAX_MESSAGE = 64 * 1024 * 1024;
const FAST_PATH_MAX = 1024 * 1024;

export class FramingError extends Error {}

const OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22, BACKSLASH = 0x5c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export class JsonFramer {
  private chunks: Buffer[] = [];
  private pending = 0;       // bytes held in chunks
  private depth = 0;
  private inString = false;
  private escaped = false;
  private started = false;

  /** Feeds bytes; returns the complete messages they finish, parsed. Throws FramingError. */
  push(data: Buffer): unknown[] {
    // Fast path: most reads carry exactly one whole message. If nothing is
    // pending and the read starts with '{' and ends with '}', try parsing it
    // whole; JSON.parse succeeding proves it is exactly one complete value.
    // (Deep nesting is no risk here: V8 parses it without recursion limits
    // that matter, and the slow path below enforces MAX_DEPTH otherwise.)
    if (!this.started && data.length > 1 && data.length <= FAST_PATH_MAX && data[0] === OPEN_BRACE && data[data.length - 1] === CLOSE_BRACE) {
      try {
        return [JSON.parse(data.toString('utf8'))];
      } catch {
        // Several messages, or a malformed one: take the careful path.
      }
    }
    const out: unknown[] = [];
    let start = 0;
    for (let i = 0; i < data.length; i++) {
      const c = data[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (!this.started) {
        if (isSpace(c)) { start = i + 1; continue; }
        if (c !== OPEN_BRACE) throw new FramingError('JSON-RPC message must be an object');
        this.started = true;
        start = i;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (++this.depth > MAX_DEPTH) throw new FramingError('JSON nesting too deep');
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--this.depth === 0) {
          out.push(this.finish(data.subarray(start, i + 1)));
          start = i + 1;
        }
      }
    }
    if (this.started && start < data.length) {
      const rest = data.subarray(start);
      this.pending += rest.length;
      if (this.pending > MAX_MESSAGE) throw new FramingError('JSON-RPC message too large');
      this.chunks.push(Buffer.from(rest));
    }
    return out;
  }

  /** True if a message has begun but not ended (a peer closing now truncated it). */
  get partial(): boolean {
    return this.started;
  }

  private finish(tail: Buffer): unknown {
    let text: string;
    if (this.chunks.length > 0) {
      this.chunks.push(tail);
      text = Buffer.concat(this.chunks).toString('utf8');
      this.chunks = [];
      this.pending = 0;
    } else {
      text = tail.toString('utf8');
    }
    this.started = false;
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new FramingError(`invalid JSON: ${(e as Error).message}`);
    }
  }
}
