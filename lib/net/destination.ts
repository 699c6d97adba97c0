import dns from "node:dns";
import net from "node:net";
import { AppError } from "@/lib/core/errors";
import { classifyAddress, isLoopbackHostname, type TAddressClass } from "./ip-range";
import { env } from "@/lib/env";

/**
 * The one rule for where Tollgate sends a request that carries secrets or signed data. Each
 * outbound door names its destination kind; a URL passes when its form fits the kind and
 * every address its host resolves to is allowed. The check runs when the URL is saved and
 * again when connecting (DNS can change in between), and the connection is made to the very
 * addresses that were checked (`lookupPinnedTo`), so a second resolution cannot swap them.
 *
 * - `salesforce_login`: https://login.salesforce.com, https://test.salesforce.com or a My Domain
 *   (https://<name>.my.salesforce.com, including <name>.sandbox.my.salesforce.com), port 443;
 * - `salesforce_api`: the same plus instanced hosts (https://eu55.salesforce.com), where a
 *   login's `instance_url` may point;
 * - `sandbox`: the bundled Salesforce sandbox: http(s) on localhost or 127.0.0.0/8 only, and only
 *   where loopback destinations are allowed (`TOLLGATE_ALLOW_LOOPBACK=1`: npm start, tests);
 * - `webhook`: https to public addresses; plain http to loopback only where loopback is allowed.
 *
 * Every kind but `sandbox` (and loopback webhooks) refuses private, loopback, link-local
 * (cloud metadata), unique-local, CGNAT, reserved and multicast addresses, IPv4-mapped or not.
 */
export type TDestinationKind = "salesforce_login" | "salesforce_api" | "sandbox" | "webhook";

export type TResolvedAddress = { address: string; family: 4 | 6 };
export type TResolver = (hostname: string) => Promise<TResolvedAddress[]>;

const systemResolver: TResolver = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

let resolver: TResolver = systemResolver;

/** Swap the resolver (tests stub DNS so no refusal needs a real lookup); null restores it. */
export function setResolver(next: TResolver | null) {
  resolver = next ?? systemResolver;
}

/** Loopback destinations (the bundled sandbox, local webhook receivers) are for the demo and tests. */
function loopbackAllowed() {
  return env().TOLLGATE_ALLOW_LOOPBACK;
}

export class DestinationRefused extends AppError {
  constructor(
    readonly reason: string,
    message: string,
    path = "url",
  ) {
    super("destination_refused", message, { reason, errors: [{ path, message }] });
    this.name = "DestinationRefused";
  }
}

const SF_LOGIN_HOST = /^(login|test)\.salesforce\.com$|^([a-z0-9-]+\.)+my\.salesforce\.com$/;
const SF_INSTANCE_HOST = /^[a-z0-9-]+\.salesforce\.com$/;

/** The hostname without IPv6 brackets or a trailing dot. */
function hostOf(url: URL) {
  return url.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "");
}

const isLoopbackHost = isLoopbackHostname;

export type TCheckOptions = {
  /** the field named in errors */
  path?: string;
  /** a base URL (a login host, the sandbox) takes no path, query or fragment */
  originOnly?: boolean;
};

/** Form checks that need no DNS: scheme, host, port, no credentials in the URL. */
export function checkUrlForm(raw: string, kind: TDestinationKind, opts: TCheckOptions = {}): URL {
  const path = opts.path ?? "url";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DestinationRefused("not_a_url", "Give a full URL", path);
  }
  const refuse = (reason: string, message: string): never => {
    throw new DestinationRefused(reason, message, path);
  };
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    refuse("scheme", "Only http(s) URLs are allowed");
  }
  if (url.username || url.password) refuse("credentials", "A URL may not carry credentials");
  const host = hostOf(url);
  if (
    opts.originOnly &&
    ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash)
  ) {
    refuse("path", "Give only the scheme, host and port, without a path");
  }

  if (kind === "salesforce_login" || kind === "salesforce_api") {
    const hosts = kind === "salesforce_login" ? [SF_LOGIN_HOST] : [SF_LOGIN_HOST, SF_INSTANCE_HOST];
    if (url.protocol !== "https:") refuse("scheme", "A Salesforce URL must use https://");
    if (!hosts.some((re) => re.test(host))) {
      refuse(
        "not_salesforce",
        "Use a Salesforce login URL: https://login.salesforce.com, https://test.salesforce.com or your My Domain (https://<name>.my.salesforce.com)",
      );
    }
    if (url.port) refuse("port", "A Salesforce URL takes no port");
  } else if (kind === "sandbox") {
    if (!loopbackAllowed()) {
      refuse(
        "loopback_disabled",
        "The bundled sandbox is not available here (loopback destinations are turned off)",
      );
    }
    if (!isLoopbackHost(host)) {
      refuse(
        "not_loopback",
        "The bundled sandbox runs on this machine: use http://127.0.0.1:<port>",
      );
    }
  } else {
    const loopback = isLoopbackHost(host);
    if (loopback && !loopbackAllowed()) {
      refuse("not_public", "Webhooks go to public https:// addresses only");
    }
    if (!loopback && url.protocol !== "https:") refuse("scheme", "Webhook URLs must use https://");
  }
  if (net.isIP(host) !== 0) checkAddress(host, kind, host, path);
  return url;
}

function allowedClasses(kind: TDestinationKind, host: string): TAddressClass[] {
  if (kind === "sandbox") return ["loopback"];
  if (kind === "webhook" && isLoopbackHost(host) && loopbackAllowed()) return ["loopback"];
  return ["public"];
}

function checkAddress(address: string, kind: TDestinationKind, host: string, path: string) {
  const cls = classifyAddress(address);
  if (!allowedClasses(kind, host).includes(cls)) {
    throw new DestinationRefused(
      `address_${cls}`,
      cls === "public"
        ? "This destination must be on this machine"
        : `Refused: the host resolves to a ${cls.replace("_", "-")} address`,
      path,
    );
  }
}

/** The addresses `host` resolves to, each checked; any refused one refuses the whole host. */
async function resolveChecked(host: string, kind: TDestinationKind, path: string) {
  if (net.isIP(host) !== 0) {
    checkAddress(host, kind, host, path);
    return [{ address: host, family: net.isIP(host) as 4 | 6 }];
  }
  let addresses: TResolvedAddress[];
  try {
    addresses = await resolver(host);
  } catch {
    throw new DestinationRefused("unresolvable", `Could not resolve ${host}`, path);
  }
  if (!addresses.length) {
    throw new DestinationRefused("unresolvable", `Could not resolve ${host}`, path);
  }
  for (const a of addresses) checkAddress(a.address, kind, host, path);
  return addresses;
}

export type TCheckedDestination = { url: URL; host: string; addresses: TResolvedAddress[] };

/** Form and resolved addresses: throws DestinationRefused (400) or returns what to connect to. */
export async function checkDestination(
  raw: string,
  kind: TDestinationKind,
  opts: TCheckOptions = {},
): Promise<TCheckedDestination> {
  const url = checkUrlForm(raw, kind, opts);
  const host = hostOf(url);
  return { url, host, addresses: await resolveChecked(host, kind, opts.path ?? "url") };
}

/**
 * A `lookup` for http(s).request that answers with the addresses already checked, so the
 * connection goes to exactly those (no second DNS answer to rebind to).
 */
export function lookupPinnedTo(addresses: TResolvedAddress[]): net.LookupFunction {
  return (_hostname, options, callback) => {
    const family = typeof options === "object" ? options.family : options;
    const pick = addresses.filter((a) => !family || family === a.family);
    const list = pick.length ? pick : addresses;
    if (typeof options === "object" && options.all) {
      (callback as unknown as (e: null, a: TResolvedAddress[]) => void)(null, list);
    } else {
      callback(null, list[0].address, list[0].family);
    }
  };
}
