/**
 * Output of `list` and `find`: a table of cells printed in one of the five
 * formats of ovs-vsctl's --format (list, table, html, csv, json), each cell
 * rendered by --data (string: parseable values; bare: no punctuation; json:
 * the wire form). --bare is list + bare + no headings.
 *
 * Formatting follows OVS's lib/table.c: list paragraphs with 20-column
 * headings, tables padded by byte width with trailing blanks trimmed, a
 * blank line between consecutive tables of one run, HTML with uuids turned
 * into anchors, CSV quoting only when needed, JSON with sorted keys (and
 * OVS's own --pretty layout, which differs from JSON.stringify's).
 */
import type { ColumnType } from '../ovsdb/types.js';
import type { Datum } from '../ovsdb/datum.js';
import { datumToString, datumToBare, formatReal } from './values.js';

export type TableFormat = 'list' | 'table' | 'html' | 'csv' | 'json';
export type CellFormat = 'string' | 'bare' | 'json';

export interface TableStyle {
  format: TableFormat;
  cellFormat: CellFormat;
  headings: boolean;
  pretty: boolean;
  maxColumnWidth: number;
}

export const DEFAULT_STYLE: TableStyle = { format: 'list', cellFormat: 'string', headings: true, pretty: false, maxColumnWidth: 0 };

export interface Cell { type: ColumnType; datum: Datum }

export interface OutputTable {
  headings: string[];
  rows: Cell[][];
}

/** A JSON value in which reals are marked, so they print as OVS prints them. */
export class Real { constructor(readonly value: number) {} }
export type OvsJson = null | boolean | number | string | Real | OvsJson[] | { [k: string]: OvsJson };

function atomJson(type: string, a: unknown): OvsJson {
  if (type === 'uuid') return ['uuid', a as string];
  if (type === 'real') return new Real(a as number);
  return a as OvsJson;
}

/** ovsdb_datum_to_json(): one-element sets are bare atoms, maps are ["map", pairs]. */
export function datumJson(t: ColumnType, d: Datum): OvsJson {
  if (t.value) return ['map', d.keys.map((k, i) => [atomJson(t.key.type, k), atomJson(t.value!.type, d.values![i])])];
  if (d.keys.length === 1) return atomJson(t.key.type, d.keys[0]);
  return ['set', d.keys.map((k) => atomJson(t.key.type, k))];
}

/** OVS's json_to_string() with JSSF_SORT, optionally JSSF_PRETTY (2 spaces per level). */
export function jsonToString(v: OvsJson, pretty = false): string {
  let out = '';
  let depth = 0;
  const indent = (): void => { if (pretty) out += '\n' + ' '.repeat(2 * depth); };
  const ser = (j: OvsJson): void => {
    if (j === null) out += 'null';
    else if (typeof j === 'boolean') out += j ? 'true' : 'false';
    else if (typeof j === 'number') out += String(j);
    else if (typeof j === 'string') out += JSON.stringify(j);
    else if (j instanceof Real) out += formatReal(j.value);
    else if (Array.isArray(j)) {
      out += '[';
      depth++;
      if (j.length) {
        indent();
        j.forEach((e, i) => { if (i) { out += ','; indent(); } ser(e); });
      }
      depth--;
      out += ']';
    } else {
      out += '{';
      depth++;
      indent();
      Object.keys(j).sort(byteOrder).forEach((k, i) => {
        if (i) { out += ','; indent(); }
        out += JSON.stringify(k) + ':' + (pretty ? ' ' : '');
        ser(j[k]!);
      });
      out += '}';
      depth--;
    }
  };
  ser(v);
  return out;
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function cellText(c: Cell, style: TableStyle): string {
  if (style.cellFormat === 'json') return jsonToString(datumJson(c.type, c.datum));
  return style.cellFormat === 'string' ? datumToString(c.type, c.datum) : datumToBare(c.type, c.datum);
}

const bytes = (s: string): number => Buffer.byteLength(s);

function padBytes(s: string, width: number, truncate: boolean): string {
  let b = Buffer.from(s);
  if (truncate && b.length > width) b = b.subarray(0, width);
  const t = b.toString();
  return b.length < width ? t + ' '.repeat(width - b.length) : t;
}

function finishLine(s: string): string {
  return s.replace(/ +$/, '') + '\n';
}

const UUID_PREFIX_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function htmlCell(element: string, content: string): string {
  let out = `    <${element}>`;
  for (let p = 0; p < content.length;) {
    const m = UUID_PREFIX_RE.exec(content.slice(p));
    if (m) {
      out += `<a href="#${m[0]}">${m[0].slice(0, 8)}</a>`;
      p += 36;
    } else {
      out += escapeHtml(content[p]!);
      p++;
    }
  }
  return out + `</${element}>\n`;
}

function csvCell(s: string): string {
  return /[\n",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Formats one table. `first` tells whether it is the first table printed by
 * this run (later ones are preceded by a blank line, except in HTML/JSON).
 */
export function formatTable(t: OutputTable, style: TableStyle, first: boolean): string {
  const sep = first ? '' : '\n';
  const texts = (): string[][] => t.rows.map((r) => r.map((c) => cellText(c, style)));
  switch (style.format) {
    case 'list': {
      let out = sep;
      texts().forEach((row, y) => {
        if (y > 0) out += '\n';
        row.forEach((text, x) => {
          out += style.headings ? `${t.headings[x]!.padEnd(20)}: ${text}\n` : `${text}\n`;
        });
      });
      return out;
    }
    case 'table': {
      const rows = texts();
      const widths = t.headings.map((h, x) => {
        let w = 0;
        for (const r of rows) w = Math.max(w, bytes(r[x]!));
        if (style.maxColumnWidth > 0 && w > style.maxColumnWidth) w = style.maxColumnWidth;
        if (style.headings) w = Math.max(w, bytes(h));
        return w;
      });
      let out = sep;
      if (style.headings) {
        out += finishLine(t.headings.map((h, x) => padBytes(h, widths[x]!, false)).join(' '));
        out += finishLine(widths.map((w) => '-'.repeat(w)).join(' '));
      }
      for (const r of rows) out += finishLine(r.map((text, x) => padBytes(text, widths[x]!, true)).join(' '));
      return out;
    }
    case 'html': {
      let out = '<table border=1>\n';
      if (style.headings) out += '  <tr>\n' + t.headings.map((h) => htmlCell('th', h)).join('') + '  </tr>\n';
      for (const r of texts()) {
        out += '  <tr>\n';
        r.forEach((text, x) => {
          out += t.headings[x] === '_uuid'
            ? `    <td><a name="${escapeHtml(text)}">${escapeHtml(text.slice(0, 8))}</a></td>\n`
            : htmlCell('td', text);
        });
        out += '  </tr>\n';
      }
      return out + '</table>\n';
    }
    case 'csv': {
      let out = sep;
      if (style.headings) out += t.headings.map(csvCell).join(',') + '\n';
      for (const r of texts()) out += r.map(csvCell).join(',') + '\n';
      return out;
    }
    case 'json': {
      const json: OvsJson = {
        headings: t.headings,
        data: t.rows.map((r) => r.map((c) => datumJson(c.type, c.datum))),
      };
      return jsonToString(json, style.pretty) + '\n';
    }
  }
}
