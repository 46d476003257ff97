/** Unary gRPC method definitions with JSON messages, for kit tests that need a service without a .proto. */
const serialize = (v: unknown) => Buffer.from(JSON.stringify(v));
const deserialize = (b: Buffer) => JSON.parse(b.toString()) as unknown;

export const jsonUnary = (path: string) => ({
  path,
  requestStream: false,
  responseStream: false,
  requestSerialize: serialize,
  requestDeserialize: deserialize,
  responseSerialize: serialize,
  responseDeserialize: deserialize,
});
