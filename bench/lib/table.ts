/**
 * Plain-text tables for benchmark reports: `|`-separated columns padded to
 * their widest cell, a rule under the header, numbers right-aligned so
 * their digits line up. Cells are strings; `formatNumber` gives figures a
 * consistent number of significant digits so that 12345 tx/s and 0.184 ms
 * both read at a glance, and `formatRatio` prints Weft-over-peer ratios.
 */

export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
}

export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (columns[i]!.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('-|-');
  return [line(columns.map((c) => c.header)), rule, ...rows.map((r) => line(columns.map((_, i) => r[i] ?? '')))].join('\n') + '\n';
}

/** A figure with about three significant digits, without exponent notation; "n/a" for NaN. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return '0';
  return x.toPrecision(3);
}

export function formatRatio(num: number, den: number): string {
  if (!Number.isFinite(num) || !Number.isFinite(den) || den === 0) return 'n/a';
  return (num / den).toFixed(2);
}

/** Key: value lines with the keys padded to one width. */
export function formatPairs(pairs: readonly (readonly [string, string])[]): string {
  const w = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${(k + ':').padEnd(w + 1)} ${v}`).join('\n') + '\n';
}
