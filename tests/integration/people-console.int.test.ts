import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// requireUser reads the session through next-auth's getServerSession; the tests hand it the
// session next-auth would build from a signed-in cookie
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: vi.fn(),
}));

import { getServerSession } from "next-auth";
import { db } from "@/lib/db";
import type { TCurrentUser } from "@/lib/auth";
import type { TRole } from "@/lib/auth/permissions";
import { createUserSession, findLiveSession } from "@/lib/auth/user-sessions";
import { signInWithPassword } from "@/lib/auth/sign-in";
import { seedUser } from "@/lib/seed/seed-helpers";
import { setUserRoles, setUserStatus } from "@/lib/users";
import { decideActionRequest } from "@/lib/approvals";
import {
  changeGroupMember,
  createGroup,
  listGroups,
  setGroupRotation,
  setGroupSla,
} from "@/lib/groups";
import { escalateOverdue } from "@/lib/execution/sweep";
import { executeRequest } from "@/lib/execution/execute";
import { resetRetryRule, setRetryRule } from "@/lib/execution/retry-policy-config";
import { getEffectiveRetryPolicy } from "@/lib/execution/dead-letters";
import { createApiKey, authenticateApiKey } from "@/lib/agents/api-keys";
import { clearPolicyCaches, createActionRequest, ZActionRequestInput } from "@/lib/agent-api";
import { setAgentCallbackById } from "@/lib/webhooks/config";
import { setResolver } from "@/lib/net/destination";
import { POST as inviteRoute } from "@/app/api/internal/users/route";
import { POST as statusRoute } from "@/app/api/internal/users/[id]/status/route";
import { GET as groupsRoute } from "@/app/api/internal/groups/route";
import { POST as groupWebhookRoute } from "@/app/api/internal/groups/[key]/webhook/route";
import { POST as callbackRoute } from "@/app/api/internal/agents/[id]/callback/route";
import { PUT as retryRoute } from "@/app/api/internal/retry-policies/[errorClass]/route";
import { useExecutionSuite } from "./fixtures/execution";
import { stageChangeBody } from "./fixtures/agent-bodies";

const ORIGIN = "http://localhost:3000";
const MIN = 60_000;

async function signedIn(roles: TRole[], groups: string[] = []) {
  const u = await seedUser(db, { roles, groups });
  return { ...u, sid: await createUserSession(u.id, null) };
}
const as = (u: { id: string; sid: string }) =>
  vi.mocked(getServerSession).mockResolvedValue({ user: { id: u.id, sid: u.sid }, expires: "" });

type THandler = (
  req: Request,
  ctx: { params: Promise<Record<string, string>> },
) => Promise<Response>;
const call = (handler: THandler, method: string, params: Record<string, string>, body?: unknown) =>
  handler(
    new Request(`${ORIGIN}/api/internal/x`, {
      method,
      headers: { host: "localhost:3000", origin: ORIGIN, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
    { params: Promise.resolve(params) },
  );

const currentUser = async (id: string): Promise<TCurrentUser> => {
  const u = await db.user.findUniqueOrThrow({
    where: { id },
    include: { roles: true, groups: { include: { group: true } } },
  });
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    roles: u.roles.map((r) => r.role),
    groups: u.groups.map((g) => g.group.key),
  };
};

/** Only these users are active admins while `fn` runs (the demo's admins stand aside). */
async function onlyAdmins<T>(ids: string[], fn: () => Promise<T>) {
  const others = (
    await db.roleAssignment.findMany({
      where: { role: "admin", environmentId: null, user: { status: "active" } },
      select: { userId: true },
    })
  )
    .map((r) => r.userId)
    .filter((id) => !ids.includes(id));
  await db.user.updateMany({ where: { id: { in: others } }, data: { status: "disabled" } });
  try {
    return await fn();
  } finally {
    await db.user.updateMany({ where: { id: { in: others } }, data: { status: "active" } });
  }
}

describe("people console", () => {
  const { box, opp, request } = useExecutionSuite(144);
  let admin: Awaited<ReturnType<typeof signedIn>>;

  beforeAll(async () => {
    admin = await signedIn(["admin"]);
  });

  describe("users", () => {
    it("an invited person signs in with the password shown once; SSO-only invites have none", async () => {
      as(admin);
      const email = `invited-${Date.now()}@tollgate.test`;
      const res = await call(
        inviteRoute,
        "POST",
        {},
        {
          name: "Ines Invited",
          email: email.toUpperCase(),
          roles: ["approver"],
          signIn: "password",
          reason: "joins deal desk",
        },
      );
      expect(res.status).toBe(200);
      const { user, password } = await res.json();
      expect(password).toMatch(/^[\w-]{20}$/);
      const signed = await signInWithPassword(email, password, null);
      expect(signed).toMatchObject({ ok: true, user: { id: user.id, name: "Ines Invited" } });
      expect(await db.roleAssignment.findMany({ where: { userId: user.id } })).toMatchObject([
        { role: "approver", grantedById: admin.id },
      ]);
      const event = await db.auditEvent.findFirstOrThrow({
        where: { subjectId: user.id, action: "user.invited" },
      });
      expect(event).toMatchObject({
        lane: "config",
        actorUserId: admin.id,
        reasonText: "joins deal desk",
      });
      expect(JSON.stringify(event.payload)).not.toContain(password);

      // the same address again (any case) is refused, changing nothing
      const again = await call(
        inviteRoute,
        "POST",
        {},
        {
          name: "Someone else",
          email,
          roles: [],
          signIn: "password",
        },
      );
      expect(again.status).toBe(400);
      expect((await again.json()).errors[0].path).toBe("email");

      expect(res.headers.get("cache-control")).toBe("no-store");

      // an SSO-only invite while single sign-on is off: nobody could ever sign in as them
      const ssoEmail = `sso-${Date.now()}@tollgate.test`;
      const ssoInvite = () =>
        call(
          inviteRoute,
          "POST",
          {},
          { name: "Sam SSO", email: ssoEmail, roles: ["viewer"], signIn: "sso" },
        );
      const off = await ssoInvite();
      expect(off.status).toBe(400);
      const offBody = await off.json();
      expect(offBody.errors[0]).toMatchObject({ path: "signIn" });
      expect(offBody.detail).toMatch(/Single sign-on is not configured/);
      expect(await db.user.count({ where: { email: ssoEmail } })).toBe(0);
      vi.stubEnv("OIDC_ISSUER", "https://idp.example.com");
      vi.stubEnv("OIDC_CLIENT_ID", "tollgate");
      vi.stubEnv("OIDC_CLIENT_SECRET", "s3cret");
      const sso = await ssoInvite().finally(() => vi.unstubAllEnvs());
      expect(sso.status).toBe(200);
      const ssoBody = await sso.json();
      expect(ssoBody.password).toBeNull();
      const row = await db.user.findUniqueOrThrow({ where: { id: ssoBody.user.id } });
      expect(row.passwordHash).toBeNull();

      // not an admin, or bad input: refused
      as(await signedIn(["ops_owner"]));
      expect(
        (
          await call(
            inviteRoute,
            "POST",
            {},
            { name: "X", email: "x@t.test", roles: [], signIn: "sso" },
          )
        ).status,
      ).toBe(403);
      as(admin);
      for (const bad of [
        { name: "", email: "a@b.test", roles: [], signIn: "sso" },
        { name: "A", email: "not-an-email", roles: [], signIn: "sso" },
        { name: "A", email: "a@b.test", roles: ["root"], signIn: "sso" },
        { name: "A", email: "a@b.test", roles: [], signIn: "magic" },
      ]) {
        expect((await call(inviteRoute, "POST", {}, bad)).status).toBe(400);
      }
      expect(await db.user.count({ where: { email: "a@b.test" } })).toBe(0);
    });

    it("deactivation ends their session at once, and they can neither sign in nor approve", async () => {
      const person = await signedIn(["approver"], ["deal_desk"]);
      const id = await request({
        changes: { NextStep: "people deactivate" },
        status: "pending_approval",
        approverRole: "deal_desk",
      });
      const before = await currentUser(person.id); // what a request in flight already holds
      expect(await findLiveSession(person.sid, person.id)).not.toBeNull();

      as(admin);
      const noReason = await call(statusRoute, "POST", { id: person.id }, { status: "disabled" });
      expect(noReason.status).toBe(400);
      const res = await call(
        statusRoute,
        "POST",
        { id: person.id },
        {
          status: "disabled",
          reason: "left the company",
        },
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "disabled", sessionsEnded: 1 });

      expect(await findLiveSession(person.sid, person.id)).toBeNull();
      as(person);
      expect((await call(groupsRoute, "GET", {})).status).toBe(401);
      expect(await signInWithPassword(person.email, person.password, null)).toMatchObject({
        ok: false,
      });
      await expect(decideActionRequest(id, before, { decision: "approve" })).rejects.toMatchObject({
        code: "forbidden",
      });
      expect((await db.actionRequest.findUniqueOrThrow({ where: { id } })).status).toBe(
        "pending_approval",
      );
      const event = await db.auditEvent.findFirstOrThrow({
        where: { subjectId: person.id, action: "user.deactivated" },
      });
      expect(event).toMatchObject({
        lane: "config",
        actorUserId: admin.id,
        reasonText: "left the company",
      });

      // reactivated: a new sign-in works (the old session stays ended)
      await setUserStatus(person.id, { status: "active", reason: "came back" }, admin.id);
      expect(await findLiveSession(person.sid, person.id)).toBeNull();
      expect((await signInWithPassword(person.email, person.password, null)).ok).toBe(true);
      expect((await decideActionRequest(id, before, { decision: "approve" })).status).toBe(
        "approved",
      );
    });

    it("keeps the last active admin through every door, even two at once", async () => {
      const a = await seedUser(db, { roles: ["admin"] });
      const b = await seedUser(db, { roles: ["admin"] });
      const viewer = await seedUser(db, { roles: ["viewer"] });
      await onlyAdmins([a.id, b.id], async () => {
        // deactivating one and demoting the other at once: one of them is refused
        for (const [x, y] of [
          [a, b],
          [b, a],
        ]) {
          const results = await Promise.allSettled([
            setUserStatus(x.id, { status: "disabled", reason: "race" }, y.id),
            setUserRoles(y.id, { roles: ["viewer"] }, x.id),
          ]);
          expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
          const active = await db.roleAssignment.count({
            where: { role: "admin", userId: { in: [a.id, b.id] }, user: { status: "active" } },
          });
          expect(active).toBe(1);
          // put both back
          await db.user.updateMany({
            where: { id: { in: [a.id, b.id] } },
            data: { status: "active" },
          });
          for (const u of [a, b]) {
            await db.roleAssignment.deleteMany({ where: { userId: u.id } });
            await db.roleAssignment.create({ data: { userId: u.id, role: "admin" } });
          }
        }
        // two deactivations of each other at once
        const both = await Promise.allSettled([
          setUserStatus(a.id, { status: "disabled", reason: "race" }, b.id),
          setUserStatus(b.id, { status: "disabled", reason: "race" }, a.id),
        ]);
        expect(both.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        const last = (
          await db.user.findFirstOrThrow({ where: { id: { in: [a.id, b.id] }, status: "active" } })
        ).id;
        // the one left: neither door takes admin away, and nobody deactivates themselves
        await expect(
          setUserStatus(last, { status: "disabled", reason: "x" }, viewer.id),
        ).rejects.toMatchObject({ code: "state_changed" });
        await expect(setUserRoles(last, { roles: ["viewer"] }, viewer.id)).rejects.toMatchObject({
          code: "state_changed",
        });
        await expect(
          setUserStatus(last, { status: "disabled", reason: "x" }, last),
        ).rejects.toMatchObject({ code: "forbidden" });
        // a non-admin is deactivated whatever the admin count
        expect(
          (await setUserStatus(viewer.id, { status: "disabled", reason: "x" }, last)).status,
        ).toBe("disabled");
      });
    });
  });

  describe("approver groups", () => {
    it("members by name, stale forms refused, and an escalation names who is on call now", async () => {
      const ana = await seedUser(db, { name: "Ana Oncall", roles: ["approver"] });
      const ben = await seedUser(db, { name: "Ben Oncall", roles: ["approver"] });
      const gone = await seedUser(db, { name: "Gus Gone", roles: ["approver"] });
      for (const u of [ana, ben, gone]) {
        await changeGroupMember("revops_oncall", { userId: u.id, change: "add" }, admin.id);
      }
      // adding twice changes nothing; a deactivated person is not added
      expect(
        await changeGroupMember("revops_oncall", { userId: ana.id, change: "add" }, admin.id),
      ).toEqual({ changed: false });

      const group = async () => (await listGroups()).find((g) => g.key === "revops_oncall")!;
      const g0 = await group();
      expect(g0.members.map((m) => m.name)).toEqual(
        expect.arrayContaining(["Ana Oncall", "Ben Oncall"]),
      );

      // on call now: Gus first, then Ana — handoff next week
      const weekday = new Date().getUTCDay();
      await setGroupRotation(
        "revops_oncall",
        {
          rotation: [gone.id, ana.id, ben.id],
          handoffWeekday: (weekday + 3) % 7,
          handoffTime: "09:00",
          handoffZone: "Europe/Berlin",
          expectedUpdatedAt: g0.updatedAt.toISOString(),
          reason: "new rota",
        },
        admin.id,
      );
      // the same form sent again is stale now
      await expect(
        setGroupSla(
          "revops_oncall",
          { slaMinutes: 30, expectedUpdatedAt: g0.updatedAt.toISOString() },
          admin.id,
        ),
      ).rejects.toMatchObject({ code: "state_changed" });
      // not a member: refused
      const outsider = await seedUser(db, { roles: ["approver"] });
      await expect(
        setGroupRotation(
          "revops_oncall",
          {
            rotation: [outsider.id],
            handoffWeekday: 1,
            handoffTime: "09:00",
            handoffZone: "UTC",
            expectedUpdatedAt: (await group()).updatedAt.toISOString(),
          },
          admin.id,
        ),
      ).rejects.toMatchObject({ code: "invalid_body" });

      const g1 = await group();
      expect(g1.rotation).toMatchObject({
        current: { name: "Gus Gone" },
        next: { name: "Ana Oncall" },
        handoffZone: "Europe/Berlin",
      });

      // Gus is deactivated: the rotation skips him, and the escalation names Ana
      await setUserStatus(gone.id, { status: "disabled", reason: "left" }, admin.id);
      expect((await group()).rotation?.current?.name).toBe("Ana Oncall");
      for (let i = 0; i < 50 && (await escalateOverdue()) > 0; i++); // the seed's overdue ones
      const id = await request({
        changes: { NextStep: "people escalate" },
        status: "pending_approval",
        approverRole: "deal_desk",
        slaDueAt: new Date(Date.now() - 5 * MIN),
      });
      expect(await escalateOverdue()).toBe(1);
      const event = await db.auditEvent.findFirstOrThrow({
        where: { subjectId: id, action: "action_request.escalated" },
      });
      expect(event.payload).toMatchObject({
        to: "revops_oncall",
        onCall: { userId: ana.id, name: "Ana Oncall" },
      });

      // removing Ana takes her out of the rotation too: Ben is on call
      await changeGroupMember("revops_oncall", { userId: ana.id, change: "remove" }, admin.id);
      const g2 = await group();
      expect(g2.rotation?.order.map((p) => p.name)).toEqual(["Gus Gone", "Ben Oncall"]);
      expect(g2.rotation?.current?.name).toBe("Ben Oncall");
      const removed = await db.auditEvent.findFirstOrThrow({
        where: {
          action: "approver_group.member_removed",
          payload: { path: ["userId"], equals: ana.id },
        },
      });
      expect(removed).toMatchObject({ lane: "config", actorUserId: admin.id });

      // created groups: a key twice is refused
      const key = `grp_${Date.now()}`;
      await createGroup({ key, name: "Pricing desk" }, admin.id);
      await expect(createGroup({ key, name: "Again" }, admin.id)).rejects.toMatchObject({
        code: "invalid_body",
      });
    });

    it("a rotation is stable: taking someone out or saving again keeps who is on call; only people who may decide", async () => {
      const tag = Date.now().toString(36);
      const key = `rota_${tag}`;
      await createGroup({ key, name: `Rota ${tag}` }, admin.id);
      const [ana, ben, cy, dee] = await Promise.all(
        ["Ana", "Ben", "Cy", "Dee"].map((n) =>
          seedUser(db, { name: `${n} Rota ${tag}`, roles: ["approver"] }),
        ),
      );
      const viewer = await seedUser(db, { name: `Vic Viewer ${tag}`, roles: ["viewer"] });
      for (const u of [ana, ben, cy, dee, viewer])
        await changeGroupMember(key, { userId: u.id, change: "add" }, admin.id);
      const fresh = async () =>
        (await db.approverGroup.findUniqueOrThrow({ where: { key } })).updatedAt.toISOString();
      const set = async (rotation: string[], at: Date, handoffTime = "09:00") =>
        setGroupRotation(
          key,
          {
            rotation,
            handoffWeekday: 1,
            handoffTime,
            handoffZone: "UTC",
            expectedUpdatedAt: await fresh(),
          },
          admin.id,
          null,
          at,
        );
      const onCall = async (at: Date) =>
        (await listGroups(at)).find((g) => g.key === key)!.rotation?.current?.name;

      // started on Tuesday 2026-12-01: Ana, then Ben from Monday 12-07 09:00 UTC, Cy from 12-14
      await set([ana.id, ben.id, cy.id, dee.id], new Date("2026-12-01T10:00:00Z"));
      const wed = new Date("2026-12-16T10:00:00Z");
      expect(await onCall(new Date("2026-12-08T10:00:00Z"))).toBe(`Ben Rota ${tag}`);
      expect(await onCall(wed)).toBe(`Cy Rota ${tag}`);
      // Ana leaves the group on Wednesday: Cy stays on call, Dee is next
      await changeGroupMember(key, { userId: ana.id, change: "remove" }, admin.id, null, wed);
      expect(await onCall(wed)).toBe(`Cy Rota ${tag}`);
      expect(await onCall(new Date("2026-12-21T09:00:00Z"))).toBe(`Dee Rota ${tag}`);
      // the rotation saved again (a new handoff time): still Cy
      await set([ben.id, cy.id, dee.id], wed, "17:00");
      expect(await onCall(wed)).toBe(`Cy Rota ${tag}`);
      expect(await onCall(new Date("2026-12-21T16:59:00Z"))).toBe(`Cy Rota ${tag}`);
      expect(await onCall(new Date("2026-12-21T17:00:00Z"))).toBe(`Dee Rota ${tag}`);
      // the person on call leaves: the next one in the order takes over at once
      await changeGroupMember(key, { userId: cy.id, change: "remove" }, admin.id, null, wed);
      expect(await onCall(wed)).toBe(`Dee Rota ${tag}`);

      // someone who cannot decide approvals is refused, by name, and nothing changes
      const before = await db.approverGroup.findUniqueOrThrow({ where: { key } });
      const refused = await set([ben.id, dee.id, viewer.id], wed).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: "invalid_body" });
      expect((refused as Error).message).toContain(`Vic Viewer ${tag} cannot decide approvals`);
      expect(await db.approverGroup.findUniqueOrThrow({ where: { key } })).toMatchObject({
        rotation: before.rotation,
        rotationStartsAt: before.rotationStartsAt,
        updatedAt: before.updatedAt,
      });
      // one who loses the approver role later is skipped, like a deactivated one
      await setUserRoles(dee.id, { roles: ["viewer"] }, admin.id);
      expect(await onCall(wed)).toBe(`Ben Rota ${tag}`);
      await setUserStatus(ben.id, { status: "disabled", reason: "left" }, admin.id);
      expect(await onCall(wed)).toBeUndefined();
    });

    it("a group's default SLA applies to a request whose rule sets none", async () => {
      const rule = await db.policyRule.findFirstOrThrow({
        where: {
          actionType: { key: "opportunity.change_stage" },
          matrixVersion: { status: "active" },
        },
      });
      const { plaintext } = await createApiKey({
        agentSlug: "pipeline-hygiene-bot",
        envSlug: "prod",
        label: "people sla test",
      });
      const agent = await authenticateApiKey(plaintext);
      const ask = async () => {
        clearPolicyCaches();
        const res = await createActionRequest(
          agent,
          ZActionRequestInput.parse(stageChangeBody(opp())),
          `req-${Date.now()}`,
        );
        return db.actionRequest.findUniqueOrThrow({ where: { id: res.actionRequest.id } });
      };
      // the rule's own SLA wins (the group is the decision's: a condition may raise it)
      const withRule = await ask();
      expect(withRule.status).toBe("pending_approval");
      expect(withRule.slaDueAt!.getTime() - withRule.createdAt.getTime()).toBe(
        rule.slaMinutes! * MIN,
      );
      const group = await db.approverGroup.findUniqueOrThrow({
        where: { key: withRule.approverRole! },
      });
      await setGroupSla(
        group.key,
        { slaMinutes: 17, expectedUpdatedAt: group.updatedAt.toISOString() },
        admin.id,
      );
      try {
        await db.policyRule.update({ where: { id: rule.id }, data: { slaMinutes: null } });
        const byGroup = await ask();
        expect(byGroup.approverRole).toBe(group.key);
        expect(byGroup.slaDueAt!.getTime() - byGroup.createdAt.getTime()).toBe(17 * MIN);
      } finally {
        await db.policyRule.update({
          where: { id: rule.id },
          data: { slaMinutes: rule.slaMinutes },
        });
        await db.approverGroup.update({ where: { id: group.id }, data: { slaMinutes: null } });
        clearPolicyCaches();
      }
    });
  });

  describe("webhook and callback URLs from the console", () => {
    const DNS: Record<string, string> = {
      "hooks.example.com": "93.184.216.34",
      "metadata.example.com": "169.254.169.254",
      "intranet.example.com": "10.1.2.3",
    };
    beforeAll(() =>
      setResolver(async (host) => {
        if (!DNS[host]) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
        return [{ address: DNS[host], family: 4 }];
      }),
    );
    afterAll(() => setResolver(null));

    it("refuses private and metadata addresses and http, changing nothing; a good URL gets a secret once", async () => {
      const agent = await db.agent.findFirstOrThrow({
        where: { slug: "pipeline-hygiene-bot", environment: { slug: "prod" } },
      });
      const groupBefore = await db.approverGroup.findUniqueOrThrow({ where: { key: "sales_ops" } });
      as(admin);
      for (const url of [
        "https://metadata.example.com/latest/meta-data",
        "https://intranet.example.com/hook",
        "https://169.254.169.254/",
        "http://hooks.example.com/hook",
      ]) {
        const g = await call(
          groupWebhookRoute,
          "POST",
          { key: "sales_ops" },
          { url, expectedUpdatedAt: groupBefore.updatedAt.toISOString() },
        );
        expect(g.status, url).toBe(400);
        expect((await g.json()).code).toBe("destination_refused");
        const c = await call(callbackRoute, "POST", { id: agent.id }, { url });
        expect(c.status, url).toBe(400);
      }
      expect(
        await db.approverGroup.findUniqueOrThrow({ where: { key: "sales_ops" } }),
      ).toMatchObject({
        webhookUrl: groupBefore.webhookUrl,
        webhookSecretEnc: groupBefore.webhookSecretEnc,
      });
      expect((await db.agent.findUniqueOrThrow({ where: { id: agent.id } })).callbackUrl).toBe(
        agent.callbackUrl,
      );
      expect((await call(callbackRoute, "POST", { id: agent.id }, { url: "nope" })).status).toBe(
        400,
      );

      const ok = await call(
        callbackRoute,
        "POST",
        { id: agent.id },
        {
          url: "https://hooks.example.com/tollgate",
          reason: "agent team's receiver",
        },
      );
      expect(ok.status).toBe(200);
      const body = await ok.json();
      expect(body.secret).toMatch(/^whsec_/);
      const saved = await db.agent.findUniqueOrThrow({ where: { id: agent.id } });
      expect(saved.callbackUrl).toBe("https://hooks.example.com/tollgate");
      expect(saved.callbackSecretEnc).not.toContain(body.secret);
      const cleared = await setAgentCallbackById(agent.id, { url: null }, admin.id);
      expect(cleared.secret).toBeNull();
      // an ops owner may set an agent's callback, not a group's webhook
      as(await signedIn(["ops_owner"]));
      expect(
        (
          await call(
            groupWebhookRoute,
            "POST",
            { key: "sales_ops" },
            { url: null, expectedUpdatedAt: groupBefore.updatedAt.toISOString() },
          )
        ).status,
      ).toBe(403);
    });

    it("two admins editing the webhook from the same copy: the second gets a 409 and changes nothing", async () => {
      const admin2 = await signedIn(["admin"]);
      const key = `hook_${admin2.id.slice(-8).toLowerCase()}`;
      as(admin);
      await createGroup({ key, name: "Hook race" }, admin.id);
      const read = await db.approverGroup.findUniqueOrThrow({ where: { key } });
      const expectedUpdatedAt = read.updatedAt.toISOString();
      const first = await call(
        groupWebhookRoute,
        "POST",
        { key },
        { url: "https://hooks.example.com/first", expectedUpdatedAt },
      );
      expect(first.status).toBe(200);
      const saved = await db.approverGroup.findUniqueOrThrow({ where: { key } });
      as(admin2);
      const second = await call(
        groupWebhookRoute,
        "POST",
        { key },
        { url: "https://hooks.example.com/second", expectedUpdatedAt },
      );
      expect(second.status).toBe(409);
      expect(await second.json()).toMatchObject({ code: "state_changed" });
      expect(await db.approverGroup.findUniqueOrThrow({ where: { key } })).toMatchObject({
        webhookUrl: "https://hooks.example.com/first",
        webhookSecretEnc: saved.webhookSecretEnc,
      });
      expect(
        await db.auditEvent.count({ where: { subjectId: read.id, actorUserId: admin2.id } }),
      ).toBe(0);
      // with a fresh copy the second admin's change goes through
      as(admin2);
      const third = await call(
        groupWebhookRoute,
        "POST",
        { key },
        {
          url: "https://hooks.example.com/second",
          expectedUpdatedAt: saved.updatedAt.toISOString(),
        },
      );
      expect(third.status).toBe(200);
    });
  });

  describe("retry policies", () => {
    afterAll(() => db.retryPolicy.deleteMany());

    it("an edit is used by the next retry; a stale form and bad bounds are refused", async () => {
      const row = async () =>
        (await getEffectiveRetryPolicy()).find((r) => r.errorClass === "unavailable")!;
      expect(await row()).toMatchObject({ overridden: false, tunable: true, updatedAt: null });
      as(admin);
      for (const bad of [
        { maxAttempts: 21, backoffMs: 1000, factor: 2, maxBackoffMs: 5000 },
        { maxAttempts: 3, backoffMs: 99, factor: 2, maxBackoffMs: 5000 },
        { maxAttempts: 3, backoffMs: 1000, factor: 11, maxBackoffMs: 5000 },
        { maxAttempts: 3, backoffMs: 1000, factor: 0.5, maxBackoffMs: 5000 },
        { maxAttempts: 3, backoffMs: 1000, factor: 2, maxBackoffMs: 999 },
      ]) {
        const res = await call(
          retryRoute,
          "PUT",
          { errorClass: "unavailable" },
          { ...bad, expectedUpdatedAt: null },
        );
        expect(res.status, JSON.stringify(bad)).toBe(400);
      }
      const notTunable = await call(
        retryRoute,
        "PUT",
        { errorClass: "validation" },
        {
          maxAttempts: 3,
          backoffMs: 1000,
          factor: 2,
          maxBackoffMs: 5000,
          expectedUpdatedAt: null,
        },
      );
      expect(notTunable.status).toBe(400);
      expect((await row()).overridden).toBe(false);

      const put = await call(
        retryRoute,
        "PUT",
        { errorClass: "unavailable" },
        {
          maxAttempts: 3,
          backoffMs: 7_000,
          factor: 1,
          maxBackoffMs: 7_000,
          expectedUpdatedAt: null,
          reason: "Salesforce maintenance tonight",
        },
      );
      expect(put.status).toBe(200);
      const saved = await row();
      expect(saved).toMatchObject({
        overridden: true,
        maxAttempts: 3,
        backoffMs: 7_000,
        updatedBy: expect.any(String),
      });
      // another admin's form, opened before that save, is refused
      await expect(
        setRetryRule(
          "unavailable",
          { maxAttempts: 5, backoffMs: 100, factor: 1, maxBackoffMs: 100, expectedUpdatedAt: null },
          admin.id,
        ),
      ).rejects.toMatchObject({ code: "state_changed" });

      // the next retry waits the new backoff
      const id = await request({ changes: { NextStep: "people retry" } });
      await box.fault({ failNext: { count: 1, status: 503 }, method: "PATCH" });
      const first = await executeRequest(id, { workerId: "people-test" });
      const tries = await db.executionAttempt.findMany({ where: { actionRequestId: id } });
      expect(first.outcome, JSON.stringify(tries)).toBe("retrying");
      const r1 = await db.actionRequest.findUniqueOrThrow({ where: { id } });
      const wait1 = r1.nextAttemptAt!.getTime() - Date.now();
      expect(wait1).toBeGreaterThan(5_000);
      expect(wait1).toBeLessThanOrEqual(7_000);

      // edited again: the very next failure uses it (no cache in between)
      await setRetryRule(
        "unavailable",
        {
          maxAttempts: 3,
          backoffMs: 30_000,
          factor: 1,
          maxBackoffMs: 30_000,
          expectedUpdatedAt: saved.updatedAt!.toISOString(),
        },
        admin.id,
      );
      await db.actionRequest.update({ where: { id }, data: { nextAttemptAt: null } });
      await box.fault({ failNext: { count: 1, status: 503 }, method: "PATCH" });
      expect((await executeRequest(id, { workerId: "people-test" })).outcome).toBe("retrying");
      const r2 = await db.actionRequest.findUniqueOrThrow({ where: { id } });
      expect(r2.nextAttemptAt!.getTime() - Date.now()).toBeGreaterThan(25_000);

      const audit = await db.auditEvent.findFirstOrThrow({
        where: {
          action: "retry_policy.updated",
          subjectId: "unavailable",
          reasonText: "Salesforce maintenance tonight",
        },
      });
      expect(audit.payload).toMatchObject({ wasDefault: true, to: { backoffMs: 7_000 } });

      // reset: back to the default
      const now = await row();
      await resetRetryRule(
        "unavailable",
        { expectedUpdatedAt: now.updatedAt!.toISOString() },
        admin.id,
      );
      expect(await row()).toMatchObject({ overridden: false, backoffMs: 10_000, maxAttempts: 5 });
    });
  });
});
