/**
 * Which redirect URIs a login may use. The organization's settings list the web callback first (served by the
 * gateway) and then the apps' URIs (custom schemes). Native apps may also use a loopback redirect on any port
 * (RFC 8252 §7.3): http://127.0.0.1:<port>/… or http://[::1]:<port>/….
 */

export function webRedirectUri(registered: readonly string[]): string | undefined {
  return registered[0];
}

export function isLoopbackRedirect(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  return (
    url.protocol === 'http:' &&
    (url.hostname === '127.0.0.1' || url.hostname === '[::1]') &&
    !url.username &&
    !url.password &&
    !url.hash
  );
}

/** An app's redirect URI: one of the registered app URIs exactly, or a loopback URI. Never the web callback. */
export function isAllowedAppRedirect(uri: string, registered: readonly string[]): boolean {
  if (!uri || uri === registered[0]) return false;
  return registered.slice(1).includes(uri) || isLoopbackRedirect(uri);
}
