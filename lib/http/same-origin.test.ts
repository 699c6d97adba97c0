import { describe, expect, it } from "vitest";
import { crossSiteRefusal } from "./same-origin";

const req = (
  method: string,
  headers: Record<string, string>,
  url = "http://localhost:3000/api/internal/x",
) => ({
  method,
  url,
  headers: new Headers({ host: new URL(url).host, ...headers }),
});
const JSON_TYPE = { "content-type": "application/json" };

describe("crossSiteRefusal", () => {
  it.each([
    ["GET needs nothing", req("GET", {}), null],
    ["same-origin JSON POST", req("POST", { ...JSON_TYPE, origin: "http://localhost:3000" }), null],
    [
      "JSON with charset",
      req("POST", {
        "content-type": "application/json; charset=utf-8",
        origin: "http://localhost:3000",
      }),
      null,
    ],
    [
      "Sec-Fetch-Site same-origin without Origin",
      req("POST", { ...JSON_TYPE, "sec-fetch-site": "same-origin" }),
      null,
    ],
    [
      "the public URL behind a proxy",
      req(
        "POST",
        { ...JSON_TYPE, origin: "https://tollgate.example.com" },
        "http://127.0.0.1:3000/api/internal/x",
      ),
      null,
    ],
  ])("%s passes", (_name, r, expected) => {
    expect(crossSiteRefusal(r, "https://tollgate.example.com")).toBe(expected);
  });

  it.each([
    [
      "text/plain from another site",
      req("POST", { "content-type": "text/plain", origin: "https://evil.example" }),
      /JSON/,
    ],
    [
      "text/plain even from the console's origin",
      req("POST", { "content-type": "text/plain", origin: "http://localhost:3000" }),
      /JSON/,
    ],
    [
      "a form post",
      req("POST", {
        "content-type": "application/x-www-form-urlencoded",
        origin: "http://localhost:3000",
      }),
      /JSON/,
    ],
    ["no content type", req("DELETE", { origin: "http://localhost:3000" }), /JSON/],
    [
      "JSON from another site",
      req("POST", { ...JSON_TYPE, origin: "https://evil.example" }),
      /another site/,
    ],
    [
      "a look-alike host",
      req("POST", { ...JSON_TYPE, origin: "http://localhost:3000.evil.example" }),
      /another site/,
    ],
    [
      "another port",
      req("POST", { ...JSON_TYPE, origin: "http://localhost:3001" }),
      /another site/,
    ],
    ["Origin null (sandboxed frame)", req("PUT", { ...JSON_TYPE, origin: "null" }), /another site/],
    [
      "no Origin, cross-site fetch",
      req("POST", { ...JSON_TYPE, "sec-fetch-site": "cross-site" }),
      /no Origin/,
    ],
    ["no Origin and no Sec-Fetch-Site", req("PATCH", { ...JSON_TYPE }), /no Origin/],
  ])("%s is refused", (_name, r, why) => {
    expect(crossSiteRefusal(r, "https://tollgate.example.com")).toMatch(why);
  });
});
