/**
 * OpenFlow's reserved port numbers in OVS's 16-bit port space, and their
 * names as ovs-ofctl prints and parses them (case-insensitively). NONE is
 * OpenFlow 1.0's name for what OpenFlow 1.1+ calls ANY; both parse to
 * 0xffff, which prints as ANY.
 */
export const OFPP = {
  MAX: 0xff00, IN_PORT: 0xfff8, TABLE: 0xfff9, NORMAL: 0xfffa, FLOOD: 0xfffb,
  ALL: 0xfffc, CONTROLLER: 0xfffd, LOCAL: 0xfffe, ANY: 0xffff, NONE: 0xffff,
} as const;

export const PORT_NAMES: ReadonlyMap<number, string> = new Map([
  [OFPP.IN_PORT, 'IN_PORT'], [OFPP.TABLE, 'TABLE'], [OFPP.NORMAL, 'NORMAL'], [OFPP.FLOOD, 'FLOOD'],
  [OFPP.ALL, 'ALL'], [OFPP.CONTROLLER, 'CONTROLLER'], [OFPP.LOCAL, 'LOCAL'], [OFPP.ANY, 'ANY'],
]);

const BY_NAME = new Map<string, number>([...PORT_NAMES].map(([n, s]) => [s, n] as [string, number]).concat([['NONE', OFPP.NONE]]));

/** A reserved port's number from its name, or undefined. */
export function portFromName(name: string): number | undefined {
  return BY_NAME.get(name.toUpperCase());
}
