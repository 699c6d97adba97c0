import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { classifyAddress } from "./ip-range";
import {
  checkDestination,
  checkUrlForm,
  DestinationRefused,
  setResolver,
  type TDestinationKind,
} from "./destination";
import { pinnedRequest } from "./pinned-request";

// DNS is stubbed: these names resolve to whatever the table says, and nothing here connects
// to anything outside 127.0.0.0/8.
const DNS: Record<string, string[]> = {
  "login.salesforce.com": ["13.108.10.10"],
  "test.salesforce.com": ["13.108.10.11"],
  "acme.my.salesforce.com": ["13.108.10.12"],
  "acme--uat.sandbox.my.salesforce.com": ["13.108.10.13"],
  "eu55.salesforce.com": ["13.108.10.14"],
  "hooks.example.com": ["93.184.216.34"],
  "rebind.my.salesforce.com": ["10.0.0.5"],
  "meta.my.salesforce.com": ["169.254.169.254"],
  "loop.my.salesforce.com": ["127.0.0.1"],
  "mapped.my.salesforce.com": ["::ffff:10.1.2.3"],
  "v6local.my.salesforce.com": ["fe80::1"],
  "ula.my.salesforce.com": ["fd00::5"],
  "cgnat.my.salesforce.com": ["100.64.1.1"],
  "mixed.my.salesforce.com": ["13.108.10.15", "192.168.1.7"],
  "intranet.example.com": ["192.168.0.10"],
  "metadata.example.com": ["169.254.169.254"],
  "v6.example.com": ["2606:4700::1111"],
  localhost: ["127.0.0.1", "::1"],
};

const stubDns = () =>
  setResolver(async (host) => {
    const list = DNS[host];
    if (!list) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
    return list.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  });

afterEach(() => {
  setResolver(null);
  vi.unstubAllEnvs();
});

describe("classifyAddress", () => {
  it.each([
    ["8.8.8.8", "public"],
    ["13.108.10.10", "public"],
    ["127.0.0.1", "loopback"],
    ["127.255.1.2", "loopback"],
    ["10.0.0.5", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["172.32.0.1", "public"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link_local"],
    ["100.64.0.1", "shared"],
    ["100.128.0.1", "public"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["198.18.0.1", "reserved"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "link_local"],
    ["::ffff:10.1.2.3", "private"],
    ["::ffff:8.8.8.8", "public"],
    ["64:ff9b::a9fe:a9fe", "link_local"],
    ["2002:a9fe:a9fe::1", "link_local"],
    ["fe80::1", "link_local"],
    ["fe80::1%eth0", "link_local"],
    ["fd00::5", "unique_local"],
    ["fc00::1", "unique_local"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "reserved"],
    ["2001::1", "reserved"],
    ["2606:4700::1111", "public"],
    ["[::1]", "loopback"],
    ["not-an-ip", "invalid"],
  ])("%s is %s", (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
  });
});

describe("checkDestination", () => {
  const allowed: [TDestinationKind, string][] = [
    ["salesforce_login", "https://login.salesforce.com"],
    ["salesforce_login", "https://test.salesforce.com/"],
    ["salesforce_login", "https://acme.my.salesforce.com"],
    ["salesforce_login", "https://acme--uat.sandbox.my.salesforce.com"],
    ["salesforce_api", "https://eu55.salesforce.com/services/data/v62.0/query"],
    ["salesforce_api", "https://acme.my.salesforce.com/services/oauth2/token"],
    ["webhook", "https://hooks.example.com/t/1"],
    ["webhook", "https://v6.example.com/"],
  ];
  it.each(allowed)("%s allows %s (stubbed DNS → public address)", async (kind, url) => {
    stubDns();
    const d = await checkDestination(url, kind);
    expect(d.addresses.length).toBeGreaterThan(0);
  });

  const refused: [TDestinationKind, string, string][] = [
    // not a Salesforce host, or not https / a port / credentials / a path
    ["salesforce_login", "https://evil.example", "not_salesforce"],
    ["salesforce_login", "https://login.salesforce.com.evil.example", "not_salesforce"],
    ["salesforce_login", "https://my.salesforce.com.evil.example", "not_salesforce"],
    ["salesforce_login", "https://evil.example/?x=.my.salesforce.com", "not_salesforce"],
    ["salesforce_login", "http://login.salesforce.com", "scheme"],
    ["salesforce_login", "https://login.salesforce.com:8443", "port"],
    ["salesforce_login", "https://u:p@login.salesforce.com", "credentials"],
    ["salesforce_login", "https://169.254.169.254", "not_salesforce"],
    ["salesforce_login", "ftp://login.salesforce.com", "scheme"],
    ["salesforce_api", "https://eu55.salesforce.com.evil.example/x", "not_salesforce"],
    // Salesforce names whose DNS answer is private, loopback, link-local, …
    ["salesforce_login", "https://rebind.my.salesforce.com", "address_private"],
    ["salesforce_login", "https://meta.my.salesforce.com", "address_link_local"],
    ["salesforce_login", "https://loop.my.salesforce.com", "address_loopback"],
    ["salesforce_login", "https://mapped.my.salesforce.com", "address_private"],
    ["salesforce_login", "https://v6local.my.salesforce.com", "address_link_local"],
    ["salesforce_login", "https://ula.my.salesforce.com", "address_unique_local"],
    ["salesforce_login", "https://cgnat.my.salesforce.com", "address_shared"],
    ["salesforce_login", "https://mixed.my.salesforce.com", "address_private"],
    ["salesforce_login", "https://gone.my.salesforce.com", "unresolvable"],
    // webhooks: https and public only
    ["webhook", "http://hooks.example.com/t", "scheme"],
    ["webhook", "https://intranet.example.com/t", "address_private"],
    ["webhook", "https://metadata.example.com/latest", "address_link_local"],
    ["webhook", "https://169.254.169.254/latest/meta-data", "address_link_local"],
    ["webhook", "https://[::ffff:169.254.169.254]/", "address_link_local"],
    ["webhook", "https://10.0.0.1/", "address_private"],
    ["webhook", "https://[fd00::1]/", "address_unique_local"],
    ["webhook", "file:///etc/passwd", "scheme"],
  ];
  it.each(refused)("%s refuses %s (%s)", async (kind, url, reason) => {
    stubDns();
    const err = await checkDestination(url, kind).catch((e) => e);
    expect(err).toBeInstanceOf(DestinationRefused);
    expect(err).toMatchObject({ status: 400, code: "destination_refused", reason });
  });

  it("loopback is refused everywhere unless TOLLGATE_ALLOW_LOOPBACK is set", async () => {
    stubDns();
    vi.stubEnv("TOLLGATE_ALLOW_LOOPBACK", "");
    for (const [kind, url] of [
      ["sandbox", "http://127.0.0.1:4010"],
      ["webhook", "http://127.0.0.1:9999/hook"],
      ["webhook", "https://localhost/hook"],
      ["webhook", "http://[::1]:9999/hook"],
    ] as const) {
      await expect(checkDestination(url, kind)).rejects.toBeInstanceOf(DestinationRefused);
    }
    vi.stubEnv("TOLLGATE_ALLOW_LOOPBACK", "1");
    await expect(checkDestination("http://127.0.0.1:4010", "sandbox")).resolves.toBeTruthy();
    await expect(checkDestination("http://localhost:4010", "sandbox")).resolves.toBeTruthy();
    await expect(checkDestination("http://127.0.0.1:9/hook", "webhook")).resolves.toBeTruthy();
  });

  it("the sandbox kind accepts loopback only, even with loopback allowed", async () => {
    stubDns();
    vi.stubEnv("TOLLGATE_ALLOW_LOOPBACK", "1");
    for (const url of [
      "https://login.salesforce.com",
      "http://10.0.0.5:4010",
      "http://169.254.169.254",
      "http://hooks.example.com",
    ]) {
      await expect(checkDestination(url, "sandbox")).rejects.toBeInstanceOf(DestinationRefused);
    }
    // a name that is not localhost never counts as loopback, whatever it resolves to
    await expect(
      checkDestination("http://loop.my.salesforce.com:4010", "sandbox"),
    ).rejects.toMatchObject({ reason: "not_loopback" });
  });

  it("a base URL takes no path when asked", () => {
    expect(() =>
      checkUrlForm("https://login.salesforce.com/services/x", "salesforce_login", {
        originOnly: true,
      }),
    ).toThrow(DestinationRefused);
    expect(() =>
      checkUrlForm("https://login.salesforce.com/", "salesforce_login", { originOnly: true }),
    ).not.toThrow();
  });
});

describe("pinnedRequest", () => {
  it("refuses before sending anything and connects to the address it checked", async () => {
    vi.stubEnv("TOLLGATE_ALLOW_LOOPBACK", "1");
    const hits: string[] = [];
    const server = http.createServer((req, res) => {
      hits.push(`${req.headers.host} ${req.url}`);
      res.end("ok");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      // the resolver answers once with loopback, then with a link-local address: the request
      // uses the checked answer (a second lookup never happens)
      let calls = 0;
      setResolver(async () => {
        calls++;
        return [{ address: calls === 1 ? "127.0.0.1" : "169.254.169.254", family: 4 }];
      });
      const res = await pinnedRequest({
        url: `http://localhost:${port}/pinned`,
        kind: "webhook",
        method: "GET",
        timeoutMs: 5_000,
        maxBodyBytes: 100,
      });
      expect(res).toMatchObject({ status: 200 });
      expect(res.body.toString()).toBe("ok");
      expect(calls).toBe(1);

      // a webhook to a public-only destination that resolves to loopback is never sent
      setResolver(async () => [{ address: "127.0.0.1", family: 4 }]);
      await expect(
        pinnedRequest({
          url: `https://hooks.example.com:${port}/x`,
          kind: "webhook",
          method: "POST",
          timeoutMs: 5_000,
          maxBodyBytes: 0,
        }),
      ).rejects.toMatchObject({ reason: "address_loopback" });
      expect(hits).toEqual([`localhost:${port} /pinned`]);
    } finally {
      server.close();
    }
  });
});
