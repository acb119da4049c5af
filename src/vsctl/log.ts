/**
 * The few log lines ovs-vsctl writes to the console, in vlog's console
 * format `TIME|SEQ|MODULE|LEVEL|MESSAGE` (e.g. the warning about a row id
 * created but never referenced, or `transaction error:` from the IDL).
 *
 * The sequence number counts every message vlog emitted anywhere, not only
 * on the console: ovs-vsctl logs "Called as …" at INFO (to syslog) when its
 * commands may write, so its first console warning is then 00002; with
 * --no-syslog or read-only commands it is 00001.
 */
export interface Logger {
  warn(module: string, message: string): void;
}

export class ConsoleLog implements Logger {
  private seq: number;

  constructor(private readonly write: (s: string) => void, calledAsCounted: boolean) {
    this.seq = calledAsCounted ? 1 : 0;
  }

  warn(module: string, message: string): void {
    this.seq++;
    const t = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    this.write(`${t}|${String(this.seq).padStart(5, '0')}|${module}|WARN|${message}\n`);
  }
}
