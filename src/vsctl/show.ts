/**
 * `show`: an overview of the configuration, one indented line per row.
 *
 * The Open_vSwitch row prints as its uuid, then its managers, bridges (each
 * with controllers, fail_mode, datapath_type and ports; each port with tag,
 * trunks and interfaces; each interface with type, options, error and
 * bfd_status) and ovs_version. Referenced rows appear in the order of the
 * referring set (uuid order), as in ovs-vsctl; columns at their default
 * value are omitted. A table already being printed higher up the tree is
 * not expanded again.
 */
import type { Context, CommandSyntax } from './context.js';
import type { TxnRow } from './snapshot.js';
import { datumToString, isDefaultDatum } from './values.js';

interface ShowTable { table: string; nameColumn: string | null; columns: string[] }

const SHOW_TABLES: ShowTable[] = [
  { table: 'Open_vSwitch', nameColumn: null, columns: ['manager_options', 'bridges', 'ovs_version'] },
  { table: 'Bridge', nameColumn: 'name', columns: ['controller', 'fail_mode', 'datapath_type', 'ports'] },
  { table: 'Port', nameColumn: 'name', columns: ['tag', 'trunks', 'interfaces'] },
  { table: 'Interface', nameColumn: 'name', columns: ['type', 'options', 'error', 'bfd_status'] },
  { table: 'Controller', nameColumn: 'target', columns: ['is_connected'] },
  { table: 'Manager', nameColumn: 'target', columns: ['is_connected'] },
];

function showRow(ctx: Context, row: TxnRow, level: number, shown: Set<string>): void {
  const { snap } = ctx;
  const show = SHOW_TABLES.find((s) => s.table === row.table.name);
  let line = ' '.repeat(level * 4);
  if (show?.nameColumn) {
    const col = row.table.columns.get(show.nameColumn)!;
    line += `${show.table} ${datumToString(col.type, snap.read(row, col.name))}`;
  } else {
    line += row.uuid;
  }
  ctx.cmd.output += line + '\n';
  if (!show || shown.has(show.table)) return;

  shown.add(show.table);
  for (const name of show.columns) {
    const column = row.table.columns.get(name);
    if (!column) continue;
    const d = snap.read(row, name);
    const { key, value } = column.type;
    if (key.type === 'uuid' && key.refTable && !value) {
      const ref = SHOW_TABLES.find((s) => s.table === key.refTable);
      if (ref) {
        for (const u of d.keys) {
          const r = snap.get(ref.table, u as string);
          if (r) showRow(ctx, r, level + 1, shown);
        }
        continue;
      }
    } else if (value?.type === 'uuid' && value.refTable) {
      const ref = SHOW_TABLES.find((s) => s.table === value.refTable);
      if (ref?.nameColumn) {
        ctx.cmd.output += `${' '.repeat((level + 1) * 4)}${name}:\n`;
        d.keys.forEach((k, i) => {
          const r = snap.get(ref.table, d.values![i] as string);
          const refName = r
            ? datumToString(r.table.columns.get(ref.nameColumn!)!.type, snap.read(r, ref.nameColumn!))
            : '"<null>"';
          ctx.cmd.output += `${' '.repeat((level + 2) * 4)}${datumToString({ key, min: 1, max: 1 }, { keys: [k], values: null })}=${refName}\n`;
        });
        continue;
      }
    }
    if (!isDefaultDatum(column.type, d)) {
      ctx.cmd.output += `${' '.repeat((level + 1) * 4)}${name}: ${datumToString(column.type, d)}\n`;
    }
  }
  shown.delete(show.table);
}

function cmdShow(ctx: Context): void {
  const shown = new Set<string>();
  for (const row of ctx.snap.rows('Open_vSwitch')) showRow(ctx, row, 0, shown);
}

export const SHOW_COMMAND: CommandSyntax = { name: 'show', minArgs: 0, maxArgs: 0, usage: '', options: '', mode: 'RO', run: cmdShow };
