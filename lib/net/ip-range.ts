import net from "node:net";

/**
 * What an IP address is, for deciding whether Tollgate may connect to it. Only `public`
 * addresses are reachable from an ordinary destination; `loopback` only from the bundled
 * sandbox and the demo's local webhook receivers; everything else never.
 */
export type TAddressClass =
  | "public"
  | "loopback"
  | "private"
  | "link_local"
  | "unique_local"
  | "shared" // CGNAT 100.64/10
  | "unspecified"
  | "multicast"
  | "reserved"
  | "invalid";

type TV4Range = [base: number, bits: number, cls: TAddressClass];

const v4 = (a: number, b: number, c: number, d: number) =>
  ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

// RFC 6890 special-purpose registry (IPv4), plus multicast and the reserved 240/4
const V4_RANGES: TV4Range[] = [
  [v4(0, 0, 0, 0), 8, "unspecified"],
  [v4(10, 0, 0, 0), 8, "private"],
  [v4(100, 64, 0, 0), 10, "shared"],
  [v4(127, 0, 0, 0), 8, "loopback"],
  [v4(169, 254, 0, 0), 16, "link_local"], // includes the cloud metadata address 169.254.169.254
  [v4(172, 16, 0, 0), 12, "private"],
  [v4(192, 0, 0, 0), 24, "reserved"],
  [v4(192, 0, 2, 0), 24, "reserved"],
  [v4(192, 88, 99, 0), 24, "reserved"],
  [v4(192, 168, 0, 0), 16, "private"],
  [v4(198, 18, 0, 0), 15, "reserved"],
  [v4(198, 51, 100, 0), 24, "reserved"],
  [v4(203, 0, 113, 0), 24, "reserved"],
  [v4(224, 0, 0, 0), 4, "multicast"],
  [v4(240, 0, 0, 0), 4, "reserved"],
];

function classifyV4(n: number): TAddressClass {
  for (const [base, bits, cls] of V4_RANGES) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if ((n & mask) >>> 0 === base) return cls;
  }
  return "public";
}

function parseV4(ip: string): number | null {
  if (net.isIPv4(ip) === false) return null;
  const p = ip.split(".").map(Number);
  return v4(p[0], p[1], p[2], p[3]);
}

/** 16 bytes of an IPv6 address (with an embedded dotted IPv4 tail), or null. */
function parseV6(ip: string): number[] | null {
  const bare = ip.replace(/%.*$/, ""); // zone id (fe80::1%eth0)
  if (!net.isIPv6(bare)) return null;
  let text = bare.toLowerCase();
  const tail = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (tail) {
    const n = parseV4(tail[1]);
    if (n === null) return null;
    text =
      text.slice(0, -tail[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = text.split("::");
  const headParts = head ? head.split(":") : [];
  const restParts = rest === undefined ? [] : rest ? rest.split(":") : [];
  const fill = rest === undefined ? 0 : 8 - headParts.length - restParts.length;
  const groups = [...headParts, ...Array(fill).fill("0"), ...restParts].map((g) => parseInt(g, 16));
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) return null;
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

const bytesToV4 = (b: number[]) => v4(b[0], b[1], b[2], b[3]);
const zeros = (b: number[], from: number, to: number) => b.slice(from, to).every((x) => x === 0);

function classifyV6(b: number[]): TAddressClass {
  if (zeros(b, 0, 15) && b[15] === 0) return "unspecified";
  if (zeros(b, 0, 15) && b[15] === 1) return "loopback";
  // IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d and NAT64 64:ff9b::a.b.c.d carry an
  // IPv4 destination: judge that one
  if (zeros(b, 0, 10) && b[10] === 0xff && b[11] === 0xff)
    return classifyV4(bytesToV4(b.slice(12)));
  if (zeros(b, 0, 12)) return classifyV4(bytesToV4(b.slice(12)));
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) {
    return zeros(b, 4, 12) ? classifyV4(bytesToV4(b.slice(12))) : "reserved"; // 64:ff9b:1::/48 is local-use
  }
  // 6to4 2002::/16 embeds an IPv4 address in bytes 2..5
  if (b[0] === 0x20 && b[1] === 0x02) return classifyV4(bytesToV4(b.slice(2, 6)));
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return "link_local"; // fe80::/10
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0xc0) return "private"; // fec0::/10, deprecated site-local
  if ((b[0] & 0xfe) === 0xfc) return "unique_local"; // fc00::/7
  if (b[0] === 0xff) return "multicast";
  // Teredo 2001::/32 (tunnels to arbitrary IPv4), documentation 2001:db8::/32, ORCHID etc. in 2001::/23
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] < 0x02) return "reserved";
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return "reserved";
  // only global unicast 2000::/3 is public; 100::/64 discard and the rest are not
  if ((b[0] & 0xe0) !== 0x20) return "reserved";
  return "public";
}

/** Classify an IPv4 or IPv6 literal (no brackets). Anything unparsable is `invalid`. */
export function classifyAddress(ip: string): TAddressClass {
  const n = parseV4(ip);
  if (n !== null) return classifyV4(n);
  const b = parseV6(ip.replace(/^\[|\]$/g, ""));
  return b ? classifyV6(b) : "invalid";
}

/** `localhost` or a loopback literal (brackets and a trailing dot allowed), from a URL's host. */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
  return host === "localhost" || (net.isIP(host) !== 0 && classifyAddress(host) === "loopback");
}
