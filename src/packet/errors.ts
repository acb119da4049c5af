/**
 * The packet layer's one error type. Every codec in src/packet raises a
 * DecodeError, and nothing else, when its input is malformed: truncated,
 * a length field that points past the end, a version it does not speak.
 * The error names the field being read (dotted, protocol first:
 * "ipv4.total_length") and the byte offset of that field within the buffer
 * the decode started from, so a drop reason or a trace line can say exactly
 * where a frame went wrong. `spec` cites the section that the check
 * enforces, when there is one.
 *
 * Boundaries catch it once per protocol: the datapath counts it as a drop
 * reason, a protocol session answers with that protocol's own error.
 * Code paths that must not throw (flow extraction) do not use the codecs.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';

  constructor(
    /** Dotted field name, e.g. "udp.length". */
    readonly field: string,
    /** Byte offset of the field in the buffer being decoded. */
    readonly offset: number,
    /** What is wrong, in the protocol's own words. */
    readonly reason: string,
    /** The standard and section the failed check comes from, e.g. "RFC 768". */
    readonly spec?: string,
  ) {
    super(`${field} at offset ${offset}: ${reason}${spec ? ` (${spec})` : ''}`);
  }
}

/** Raised by encoders for values that cannot be put on the wire (a VID of 5000, options not a multiple of 4). */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';

  constructor(readonly field: string, readonly reason: string) {
    super(`${field}: ${reason}`);
  }
}
