/**
 * Which unary methods a service carries over its Carry stream (multiplexed.ts), shared by the server that serves
 * them and the gateway that calls them: those called on every request. `read`: the method changes nothing, so a
 * call whose stream broke before the answer may be sent again; `write`: it then fails UNAVAILABLE instead.
 */
export type Carriage = 'read' | 'write';

/** The directory's SCIM methods: one per SCIM request the gateway serves. */
export const DIRECTORY_CARRIED = {
  getResource: 'read',
  listResources: 'read',
  getScimDiscovery: 'read',
  searchAllResources: 'read',
  createResource: 'write',
  replaceResource: 'write',
  patchResource: 'write',
  deleteResource: 'write',
  processBulk: 'write',
} as const satisfies Record<string, Carriage>;

/** The credentials service's verification: what the gateway's credential memory does not hold. */
export const CREDENTIALS_CARRIED = { verifyCredential: 'read' } as const satisfies Record<string, Carriage>;
