/**
 * Neutron's error catalog. Every refusal the API makes is an `ApiError`
 * carrying the HTTP status and the name of the Neutron exception class that
 * the real server would raise for the same condition, with its message
 * wording, so that `openstack` prints "ConflictException: 409, <message>"
 * and `neutron` prints "<message>" exactly as against Neutron.
 *
 * The wire form is Neutron's `get_exception_data`:
 * `{"NeutronError": {"type": NAME, "message": TEXT, "detail": ""}}`.
 *
 * A model function throws an ApiError before anything is written, so a
 * refused request changes nothing (see state/draft.ts: the draft is
 * discarded whole).
 */

export class ApiError extends Error {
  constructor(readonly status: number, readonly type: string, message: string, readonly detail = '') {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): { NeutronError: { type: string; message: string; detail: string } } {
    return { NeutronError: { type: this.type, message: this.message, detail: this.detail } };
  }
}

// ------------------------------------------------------------------ 400

export const badRequest = (message: string, type = 'HTTPBadRequest'): ApiError => new ApiError(400, type, message);

/** Neutron's InvalidInput: "Invalid input for operation: …". */
export const invalidInput = (detail: string): ApiError =>
  new ApiError(400, 'InvalidInput', `Invalid input for operation: ${detail}.`);

/** A value that fails an attribute's validator (Neutron's base controller wording). */
export const invalidAttr = (attr: string, detail: string): ApiError =>
  new ApiError(400, 'HTTPBadRequest', `Invalid input for ${attr}. Reason: ${detail}.`);

// ------------------------------------------------------------------ 401/403

export const unauthorized = (message = 'The request you have made requires authentication.'): ApiError =>
  new ApiError(401, 'HTTPUnauthorized', message);

export const forbidden = (action: string): ApiError =>
  new ApiError(403, 'PolicyNotAuthorized', `(rule:${action}) is disallowed by policy`);

// ------------------------------------------------------------------ 404

const NOT_FOUND: Record<string, [string, (id: string) => string]> = {
  network: ['NetworkNotFound', (id) => `Network ${id} could not be found.`],
  subnet: ['SubnetNotFound', (id) => `Subnet ${id} could not be found.`],
  port: ['PortNotFound', (id) => `Port ${id} could not be found.`],
  router: ['RouterNotFound', (id) => `Router ${id} could not be found`],
  floatingip: ['FloatingIPNotFound', (id) => `Floating IP ${id} could not be found`],
  security_group: ['SecurityGroupNotFound', (id) => `Security group ${id} does not exist`],
  security_group_rule: ['SecurityGroupRuleNotFound', (id) => `Security group rule ${id} does not exist`],
  agent: ['AgentNotFound', (id) => `Agent ${id} could not be found.`],
  availability_zone: ['AvailabilityZoneNotFound', (id) => `AvailabilityZone ${id} could not be found.`],
  extension: ['ExtensionNotFound', (id) => `Extension with alias ${id} does not exist`],
};

export function notFound(resource: string, id: string): ApiError {
  const e = NOT_FOUND[resource];
  if (!e) return new ApiError(404, 'HTTPNotFound', `The resource could not be found.`);
  return new ApiError(404, e[0], e[1](id));
}

export const routeNotFound = (): ApiError => new ApiError(404, 'HTTPNotFound', 'The resource could not be found.');

// ------------------------------------------------------------------ 409

export const conflict = (type: string, message: string): ApiError => new ApiError(409, type, message);

export const networkInUse = (id: string): ApiError => conflict('NetworkInUse',
  `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`);
export const subnetInUse = (id: string): ApiError => conflict('SubnetInUse',
  `Unable to complete operation on subnet ${id}: One or more ports have an IP allocation from this subnet.`);
export const macInUse = (net: string, mac: string): ApiError => conflict('MacAddressInUse',
  `Unable to complete operation for network ${net}. The mac address ${mac} is in use.`);
export const ipInUse = (ip: string, subnet: string): ApiError => conflict('IpAddressAlreadyAllocated',
  `IP address ${ip} already allocated in subnet ${subnet}`);
export const ipExhausted = (net: string): ApiError => conflict('IpAddressGenerationFailure',
  `No more IP addresses available on network ${net}.`);
export const overQuota = (resource: string): ApiError => conflict('OverQuota',
  `Quota exceeded for resources: ['${resource}'].`);

// ------------------------------------------------------------------ others

export const preconditionFailed = (message: string): ApiError => new ApiError(412, 'PreconditionFailed', message);
export const unavailable = (message: string): ApiError => new ApiError(503, 'ServiceUnavailable', message);
