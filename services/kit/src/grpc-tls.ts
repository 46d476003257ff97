/**
 * TLS between the processes (off unless configured): every gRPC server presents its certificate and requires a
 * client certificate signed by the same CA; every gRPC client verifies the server against that CA and presents
 * its own certificate. Files are PEM, read and checked once at boot (see grpcTlsField in config.ts):
 *   GRPC_TLS_CA_FILE    the CA that signs every process's certificate (trust anchor for both directions)
 *   GRPC_TLS_CERT_FILE  this process's certificate (server and client auth), with the Service names as SANs
 *   GRPC_TLS_KEY_FILE   its private key
 *   GRPC_TLS_SERVER_NAME  optional: the name to verify servers against instead of the host of the address
 */
import { ChannelCredentials, ServerCredentials, type ChannelOptions } from '@grpc/grpc-js';

export interface GrpcTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  serverName?: string;
}

export function serverCredentials(tls: GrpcTls | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  // checkClientCertificate: a client without a certificate from our CA is refused during the handshake.
  return ServerCredentials.createSsl(tls.ca, [{ cert_chain: tls.cert, private_key: tls.key }], true);
}

export function channelCredentials(tls: GrpcTls | undefined): {
  credentials: ChannelCredentials;
  options: ChannelOptions;
} {
  if (!tls) return { credentials: ChannelCredentials.createInsecure(), options: {} };
  return {
    credentials: ChannelCredentials.createSsl(tls.ca, tls.key, tls.cert),
    options: tls.serverName
      ? { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName }
      : {},
  };
}
