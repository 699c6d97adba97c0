import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { db } from "@/lib/db";
import {
  authenticateApiKey,
  createApiKey,
  revokeApiKey,
  rotateApiKeys,
} from "@/lib/agents/api-keys";
import { createAgentKey, getAgent, revokeAgentKey, rotateAgentKeys } from "@/lib/agents";
import { useScratch } from "./fixtures/scratch";

const MIN = 60_000;

async function expectRefused(key: string | null, now?: Date, code = "invalid_api_key") {
  await expect(authenticateApiKey(key, now)).rejects.toMatchObject({ code });
}

describe("agent API keys", () => {
  const s = useScratch();

  const ref = (a: { slug: string }, envSlug = "prod") => ({ agentSlug: a.slug, envSlug });

  it("creates a key: the plaintext is returned once and only its sha256 is stored", async () => {
    const a = await s.agent("prod");
    const key = await createApiKey({ ...ref(a), actorUserId: s.adminId, label: "worker" });
    expect(key.plaintext).toMatch(/^tg_prod_[A-Za-z0-9]{40}$/);
    expect(key.plaintext.startsWith(key.prefix)).toBe(true);

    const row = await db.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.hash).toBe(crypto.createHash("sha256").update(key.plaintext).digest("hex"));
    expect(row).toMatchObject({ agentId: a.id, label: "worker", createdById: s.adminId });
    const secretTail = key.plaintext.slice(key.prefix.length);
    expect(JSON.stringify(row)).not.toContain(secretTail);

    const audits = await db.auditEvent.findMany({ where: { subjectId: a.id } });
    expect(audits.map((e) => e.action)).toEqual(["api_key.created"]);
    expect(audits[0].lane).toBe("config");
    expect(
      JSON.stringify(audits, (_k, v) => (typeof v === "bigint" ? String(v) : v)),
    ).not.toContain(secretTail);

    // the console's view has the prefix and never the hash
    const detail = await getAgent(a.id);
    expect(detail.keys).toEqual([
      expect.objectContaining({ prefix: key.prefix, state: "active", createdBy: "Ada Admin" }),
    ]);
    expect(JSON.stringify(detail)).not.toContain(row.hash);
  });

  it("authenticates a fresh key and refuses unknown, tampered and malformed ones", async () => {
    const a = await s.agent("prod");
    const key = await createApiKey({ ...ref(a), actorUserId: s.adminId });
    const who = await authenticateApiKey(key.plaintext);
    expect(who).toMatchObject({ id: a.id, slug: a.slug, environmentSlug: "prod", keyId: key.id });

    const tampered = key.plaintext.slice(0, -1) + (key.plaintext.endsWith("A") ? "B" : "A");
    await expectRefused(tampered);
    await expectRefused(`tg_prod_${"Z".repeat(40)}`);
    await expectRefused(key.plaintext.replace("tg_prod_", "tg_staging_"));
    for (const bad of [null, "", "Bearer x", "tg_prod_short", key.plaintext + "x"])
      await expectRefused(bad);
  });

  it("rotation with grace keeps the old key working until the grace ends", async () => {
    const a = await s.agent("prod");
    const old = await createApiKey({ ...ref(a), actorUserId: s.adminId });
    const before = Date.now();
    const rotated = await rotateApiKeys({ ...ref(a), graceMinutes: 60, actorUserId: s.adminId });
    expect(rotated.plaintext).not.toBe(old.plaintext);
    expect(rotated.graceUntil.getTime()).toBeGreaterThanOrEqual(before + 60 * MIN);
    expect(rotated.graceUntil.getTime()).toBeLessThan(Date.now() + 60 * MIN + 1000);

    const oldRow = await db.apiKey.findUniqueOrThrow({ where: { id: old.id } });
    expect(oldRow.expiresAt).toEqual(rotated.graceUntil);
    expect(oldRow.rotatedAt).not.toBeNull();

    const within = new Date(rotated.graceUntil.getTime() - 5 * MIN);
    expect((await authenticateApiKey(old.plaintext, within)).keyId).toBe(old.id);
    expect((await authenticateApiKey(rotated.plaintext, within)).keyId).toBe(rotated.id);
    const after = new Date(rotated.graceUntil.getTime() + 1000);
    await expectRefused(old.plaintext, after);
    expect((await authenticateApiKey(rotated.plaintext, after)).keyId).toBe(rotated.id);

    const states = Object.fromEntries((await getAgent(a.id)).keys.map((k) => [k.id, k.state]));
    expect(states).toEqual({ [old.id]: "grace", [rotated.id]: "active" });
    const audit = await db.auditEvent.findFirstOrThrow({
      where: { action: "api_key.rotated", subjectId: a.id },
    });
    expect(audit.payload).toMatchObject({ newPrefix: rotated.prefix, oldPrefixes: [old.prefix] });
  });

  it("rotation without grace stops the old key at once", async () => {
    const a = await s.agent("prod");
    const old = await createApiKey({ ...ref(a), actorUserId: s.adminId });
    const rotated = await rotateApiKeys({ ...ref(a), graceMinutes: 0, actorUserId: s.adminId });
    await expectRefused(old.plaintext, new Date(rotated.graceUntil.getTime() + 1));
    expect((await authenticateApiKey(rotated.plaintext)).keyId).toBe(rotated.id);
  });

  it("refuses a bad grace period without changing anything", async () => {
    const a = await s.agent("prod");
    const old = await createApiKey({ ...ref(a), actorUserId: s.adminId });
    for (const graceMinutes of [-1, 1.5, 60 * 24 * 31]) {
      await expect(
        rotateApiKeys({ ...ref(a), graceMinutes, actorUserId: s.adminId }),
      ).rejects.toMatchObject({ status: 400, code: "invalid_body" });
      await expect(rotateAgentKeys(a.id, { graceMinutes }, s.adminId)).rejects.toBeInstanceOf(
        ZodError,
      );
    }
    const keys = await db.apiKey.findMany({ where: { agentId: a.id } });
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ id: old.id, expiresAt: null, rotatedAt: null });
  });

  it("revocation needs a reason, is audited and refuses the key from then on", async () => {
    const a = await s.agent("prod");
    const key = await createApiKey({ ...ref(a), actorUserId: s.adminId });
    await expect(
      revokeApiKey({ keyId: key.id, actorUserId: s.adminId, reason: "  " }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(revokeAgentKey(a.id, key.id, { reason: "" }, s.adminId)).rejects.toBeInstanceOf(
      ZodError,
    );
    expect((await authenticateApiKey(key.plaintext)).keyId).toBe(key.id);

    const res = await revokeAgentKey(a.id, key.id, { reason: "leaked in a CI log" }, s.adminId);
    expect(res.keys).toEqual([expect.objectContaining({ id: key.id, state: "revoked" })]);
    await expectRefused(key.plaintext);
    const audit = await db.auditEvent.findFirstOrThrow({
      where: { action: "api_key.revoked", subjectId: a.id },
    });
    expect(audit).toMatchObject({ lane: "config", reasonText: "leaked in a CI log" });
    // revoking twice is harmless and writes no second event
    await revokeApiKey({ keyId: key.id, actorUserId: s.adminId, reason: "again" });
    expect(
      await db.auditEvent.count({ where: { action: "api_key.revoked", subjectId: a.id } }),
    ).toBe(1);
  });

  it("refuses expired keys, suspended agents and new keys for retired agents", async () => {
    const a = await s.agent("prod");
    const expiring = await createApiKey({
      ...ref(a),
      actorUserId: s.adminId,
      expiresAt: new Date(Date.now() + 10 * MIN),
    });
    await expectRefused(expiring.plaintext, new Date(Date.now() + 11 * MIN));

    const suspended = await s.agent("prod", { status: "suspended" });
    const key = await createApiKey({ ...ref(suspended), actorUserId: s.adminId });
    await expectRefused(key.plaintext, undefined, "agent_inactive");
    await expect(authenticateApiKey(key.plaintext)).rejects.toMatchObject({ status: 403 });

    const retired = await s.agent("prod", { status: "retired" });
    await expect(createAgentKey(retired.id, {}, s.adminId)).rejects.toMatchObject({
      status: 409,
      code: "agent_retired",
    });
    expect(await db.apiKey.count({ where: { agentId: retired.id } })).toBe(0);
  });

  it("console key operations address the agent by id and stay within it", async () => {
    const [a, b] = [await s.agent("staging"), await s.agent("staging")];
    const created = await createAgentKey(a.id, { label: "ci", expiresInDays: 30 }, s.adminId);
    expect(created.plaintext).toMatch(/^tg_staging_/);
    const row = created.keys[0];
    expect(row).toMatchObject({ prefix: created.prefix, label: "ci", state: "active" });
    const days = (row.expiresAt!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    const rotated = await rotateAgentKeys(a.id, { graceMinutes: 60 * 24 }, s.adminId);
    expect(rotated.keys.map((k) => k.state)).toEqual(["active", "grace"]);
    expect(rotated.keys[1].expiresAt).toEqual(rotated.graceUntil);

    // another agent's URL cannot reach this agent's key
    await expect(
      revokeAgentKey(b.id, rotated.keys[0].id, { reason: "wrong agent" }, s.adminId),
    ).rejects.toMatchObject({ status: 404 });
    await expect(createAgentKey("nope", {}, s.adminId)).rejects.toMatchObject({ status: 404 });
    await expect(getAgent("nope")).rejects.toMatchObject({ status: 404, code: "not_found" });
    await expect(createAgentKey(a.id, { expiresInDays: 0 }, s.adminId)).rejects.toBeInstanceOf(
      ZodError,
    );
    expect(await db.apiKey.count({ where: { agentId: a.id } })).toBe(2);
  });
});
