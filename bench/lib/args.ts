/**
 * Command-line flags for benchmarks, in the `--name=value` form the rest of
 * Weft's tools use. A benchmark declares its flags as one object of defaults
 * (the type of each default fixes how its value is parsed: number, boolean
 * or string) plus one line of help per flag; camelCase keys are spelled
 * kebab-case on the command line (`bulkRows` is `--bulk-rows=`). A boolean
 * flag may be given bare (`--json`) or as `--json=false`. Anything unknown
 * or malformed is a UsageError, so a typo never silently runs the defaults.
 */

export type FlagValue = number | boolean | string;

export class UsageError extends Error {}

export interface FlagSet<T extends Record<string, FlagValue>> {
  readonly defaults: T;
  readonly help: { readonly [K in keyof T]: string };
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function parseValue(flag: string, def: FlagValue, text: string | undefined): FlagValue {
  if (typeof def === 'boolean') {
    if (text === undefined || text === 'true' || text === '1' || text === 'yes') return true;
    if (text === 'false' || text === '0' || text === 'no') return false;
    throw new UsageError(`--${flag}: expected true or false, got "${text}"`);
  }
  if (text === undefined) throw new UsageError(`--${flag} needs a value (--${flag}=...)`);
  if (typeof def === 'number') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--${flag}: expected a non-negative number, got "${text}"`);
    return n;
  }
  return text;
}

/** Parses argv against the flag set; `--help` yields null so the caller can print usage(). */
export function parseFlags<T extends Record<string, FlagValue>>(argv: readonly string[], set: FlagSet<T>): T | null {
  const byFlag = new Map(Object.keys(set.defaults).map((k) => [kebab(k), k as keyof T & string]));
  const out = { ...set.defaults };
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') return null;
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new UsageError(`unexpected argument "${arg}" (flags look like --name=value)`);
    const key = byFlag.get(m[1]!);
    if (key === undefined) throw new UsageError(`unknown flag --${m[1]} (use --help)`);
    (out as Record<string, FlagValue>)[key] = parseValue(m[1]!, set.defaults[key], m[2]);
  }
  return out;
}

/** One line per flag: `--name=DEFAULT  help`. */
export function usage<T extends Record<string, FlagValue>>(program: string, set: FlagSet<T>): string {
  const rows = Object.keys(set.defaults).map((k) => {
    const d = set.defaults[k as keyof T];
    const left = typeof d === 'boolean' ? `--${kebab(k)}` : `--${kebab(k)}=${d === '' ? '…' : String(d)}`;
    return [left, set.help[k as keyof T]] as const;
  });
  const w = Math.max(...rows.map(([l]) => l.length));
  return [`usage: ${program} [FLAG...]`, '', ...rows.map(([l, h]) => `  ${l.padEnd(w)}  ${h}`)].join('\n') + '\n';
}
