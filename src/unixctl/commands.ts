/**
 * The unixctl command registry: what `ovs-appctl` can ask a daemon, and the
 * rules OVS's unixctl server applies before a command runs.
 *
 * A command has a name (`fdb/show`), a usage string shown by
 * `list-commands` (null hides it, as OVS does for internal commands), and
 * argument bounds. dispatch() checks, in OVS's order, that the command
 * exists, that the argument count is within bounds and that every argument
 * is a string, answering with OVS's exact error texts (scripts match them),
 * and only then calls the handler. Handlers return, or resolve to, `{ok}`
 * or `{error}`; text that does not end in a newline gets one, as OVS's
 * server does, so `ovs-appctl` output always ends cleanly. A handler that
 * throws is answered with an error carrying the exception's message: one
 * bad command must not take the daemon down.
 *
 * A successful result may carry `after`, run once the reply has left the
 * socket; `exit` uses it to reply first and exit second.
 *
 * `list-commands` and `version` are built in, formatted as OVS's.
 */

export type CommandResult = { ok: string; after?: () => void } | { error: string };

export interface UnixctlCommand {
  readonly name: string;
  /** Shown by list-commands after the name; null hides the command. */
  readonly usage: string | null;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly handler: (args: string[]) => CommandResult | Promise<CommandResult>;
}

export class CommandRegistry {
  private readonly commands = new Map<string, UnixctlCommand>();

  /** `versionLine` is what `version` prints, e.g. "ovsdb-server (Weft) 0.1.0". */
  constructor(versionLine: string) {
    this.register({ name: 'list-commands', usage: '', minArgs: 0, maxArgs: 0, handler: () => ({ ok: this.listCommands() }) });
    this.register({ name: 'version', usage: '', minArgs: 0, maxArgs: 0, handler: () => ({ ok: versionLine }) });
  }

  /** Adds a command; registering a name twice is a programming error. */
  register(cmd: UnixctlCommand): void {
    if (this.commands.has(cmd.name)) throw new Error(`unixctl command "${cmd.name}" registered twice`);
    this.commands.set(cmd.name, cmd);
  }

  unregister(name: string): boolean {
    return this.commands.delete(name);
  }

  get(name: string): UnixctlCommand | undefined {
    return this.commands.get(name);
  }

  /** The `list-commands` text: sorted by name, usage in a column after 23 characters. */
  listCommands(): string {
    const names = [...this.commands.keys()].sort();
    let out = 'The available commands are:\n';
    for (const name of names) {
      const usage = this.commands.get(name)!.usage;
      if (usage !== null) out += `  ${name.padEnd(23)} ${usage}\n`;
    }
    return out;
  }

  /** Runs `method` with `params` as OVS's unixctl server would. Never rejects. */
  async dispatch(method: string, params: readonly unknown[]): Promise<CommandResult> {
    const cmd = this.commands.get(method);
    if (!cmd) {
      return { error: `"${method}" is not a valid command (use "list-commands" to see a list of valid commands)\n` };
    }
    if (params.length < cmd.minArgs) return { error: `"${method}" command requires at least ${cmd.minArgs} arguments\n` };
    if (params.length > cmd.maxArgs) return { error: `"${method}" command takes at most ${cmd.maxArgs} arguments\n` };
    if (!params.every((p): p is string => typeof p === 'string')) {
      return { error: `"${method}" command has non-string argument\n` };
    }
    let r: CommandResult;
    try {
      r = await cmd.handler([...params]);
    } catch (e) {
      return { error: withNewline(e instanceof Error ? e.message : String(e)) };
    }
    return 'error' in r ? { error: withNewline(r.error) } : { ...r, ok: withNewline(r.ok) };
  }
}

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : text + '\n';
}
