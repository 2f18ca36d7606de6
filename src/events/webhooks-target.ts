import dns from 'node:dns';
import net from 'node:net';
import { config } from '../config';

/**
 * Which addresses a webhook may be sent to. Private, loopback, link-local, shared (CGNAT),
 * multicast and unspecified addresses are refused unless WEBHOOK_ALLOW_PRIVATE=true: a webhook
 * URL must not become a way to reach the server's own network (SSRF). Every address a name
 * resolves to is checked, at creation and again on every delivery (the connection uses the
 * address that was checked, so a name that changes its answer cannot slip through).
 */
const refused = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  refused.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  refused.addSubnet(network, prefix, 'ipv6');
}

/** Whether an address (v4 or v6, IPv4-mapped v6 included) is private, loopback, link-local, ... */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return refused.check(mapped[1]!, 'ipv4');
  const family = net.isIP(address);
  if (family === 4) return refused.check(address, 'ipv4');
  if (family === 6) return refused.check(address, 'ipv6');
  return true;
}

export class RefusedTargetError extends Error {}

/** Resolves a host name (or takes a literal address) and checks every address; answers them. */
export async function checkedAddresses(hostname: string): Promise<Array<{ address: string; family: number }>> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(host)
    ? [{ address: host, family: net.isIP(host) }]
    : await dns.promises.lookup(host, { all: true, verbatim: true });
  if (addresses.length === 0) throw new RefusedTargetError(`${hostname} does not resolve`);
  if (!config.webhooks.allowPrivate) {
    const bad = addresses.find(({ address }) => isPrivateAddress(address));
    if (bad) {
      throw new RefusedTargetError(
        `${hostname} resolves to ${bad.address}, a private, loopback or link-local address (WEBHOOK_ALLOW_PRIVATE is off)`,
      );
    }
  }
  return addresses;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/** A `lookup` for http.request that connects only to checked addresses. */
export function checkedLookup(hostname: string, options: dns.LookupOptions, callback: LookupCallback): void {
  checkedAddresses(hostname).then(
    (addresses) => {
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    },
    (error: Error) => callback(Object.assign(error, { code: 'EWEBHOOKTARGET' }), ''),
  );
}
