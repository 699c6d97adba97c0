import { describe, expect, it } from "vitest";
import { DoorRequest, bufferedBodyOf } from "./door-request";
import { readJsonBody } from "./read-json-body";

const bytes = (s: string) => new Uint8Array(Buffer.from(s));
const door = (body: string | null, headers: string[] = ["Content-Type", "application/json"]) =>
  new DoorRequest(
    "POST",
    "http://127.0.0.1/api/agent/v1/action-requests?x=1",
    headers,
    body === null ? null : bytes(body),
  ) as unknown as Request;

describe("DoorRequest", () => {
  it("reads as a Request does: method, url, headers, body", async () => {
    const req = door('{"a":1}', ["Authorization", "Bearer k", "X-Two", "1", "x-two", "2"]);
    expect(req.method).toBe("POST");
    expect(new URL(req.url).searchParams.get("x")).toBe("1");
    expect(req.headers.get("authorization")).toBe("Bearer k");
    expect(req.headers.get("x-two")).toBe("1, 2");
    expect(await new Response(req.body).text()).toBe('{"a":1}');
    expect(await req.text()).toBe('{"a":1}');
  });

  it("its signal aborts on hang-up, whether asked for before or after", () => {
    const early = new DoorRequest("GET", "http://h/", [], null);
    const signal = early.signal;
    expect(signal.aborted).toBe(false);
    early.hangUp();
    expect(signal.aborted).toBe(true);
    const late = new DoorRequest("GET", "http://h/", [], null);
    late.hangUp();
    expect(late.signal.aborted).toBe(true);
  });

  it("readJsonBody takes the buffered body, with the same limits as a stream", async () => {
    expect(bufferedBodyOf(door("{}"))).toEqual(bytes("{}"));
    expect(bufferedBodyOf(new Request("http://h/", { method: "POST", body: "{}" }))).toBe(
      undefined,
    );
    expect(await readJsonBody(door('{"b":[1,2]}'), { maxBytes: 100 })).toEqual({ b: [1, 2] });
    await expect(readJsonBody(door(`"${"x".repeat(200)}"`), { maxBytes: 100 })).rejects.toThrow(
      /over/,
    );
    await expect(readJsonBody(door("[".repeat(2000)), { maxBytes: 10_000 })).rejects.toThrow(
      /deeper/,
    );
    await expect(readJsonBody(door("{nope"), { maxBytes: 100 })).rejects.toThrow(/not valid/);
    expect(await readJsonBody(door(null), { maxBytes: 100, empty: null })).toBe(null);
  });
});
