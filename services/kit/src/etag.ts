/** The weak entity tag of a resource version (`W/"3"`): SCIM's `meta.version` and the HTTP ETag header. */
export const weakEtag = (version: number | string) => `W/"${String(version)}"`;
