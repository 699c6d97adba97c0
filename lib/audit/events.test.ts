import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import type { z } from "zod";
import { describe, expect, it } from "vitest";
import { TRANSITIONS } from "@/lib/action-requests/transitions";
import {
  AUDIT_ACTIONS,
  AUDIT_EVENTS,
  CONTEXT_KEY,
  USER_AGENT_MAX,
  contextOf,
  storedPayload,
  type TAuditAction,
} from "./events";

const ROOT = process.cwd();
/** The calls that append an audit event, and the argument that holds the action. */
const WRITERS: Record<string, number> = {
  writeAuditEvent: 1,
  auditAppendSql: 0,
  insertRequest: 1,
  auditEvent: 0,
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "generated" ? [] : sourceFiles(p);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/**
 * Every action the code writes, read from its source: the string literals in the `action` of
 * each audit append (a ternary gives both), and the events of the lifecycle table, which
 * transitionRequest and the kill switch's halt write. An `action` that is neither literal nor
 * one of those known doors is reported, so a new dynamic writer cannot hide from this list.
 */
function writtenActions() {
  const found = new Set<string>();
  const dynamic: string[] = [];
  const files = [...sourceFiles(path.join(ROOT, "lib")), ...sourceFiles(path.join(ROOT, "app"))];
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    if (!Object.keys(WRITERS).some((w) => text.includes(`${w}(`))) continue;
    const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
        const at = WRITERS[node.expression.text];
        const arg = at === undefined ? undefined : node.arguments[at];
        if (arg && ts.isObjectLiteralExpression(arg)) {
          const prop = arg.properties.find(
            (p): p is ts.PropertyAssignment =>
              ts.isPropertyAssignment(p) && p.name.getText(src) === "action",
          );
          if (prop) collect(prop.initializer, `${path.relative(ROOT, file)}: ${prop.getText(src)}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    const collect = (e: ts.Expression, where: string) => {
      if (ts.isParenthesizedExpression(e)) return collect(e.expression, where);
      if (ts.isStringLiteral(e)) return void found.add(e.text);
      if (ts.isConditionalExpression(e)) {
        collect(e.whenTrue, where);
        collect(e.whenFalse, where);
        return;
      }
      dynamic.push(where);
    };
    visit(src);
  }
  for (const edges of Object.values(TRANSITIONS)) for (const e of edges) found.add(e.event);
  return { found, dynamic };
}

describe("the audit event registry", () => {
  it("lists exactly the actions the code writes", () => {
    const { found, dynamic } = writtenActions();
    expect([...found].sort()).toEqual([...AUDIT_ACTIONS].sort());
    // the only appends whose action is not spelled out: the lifecycle table's event
    // (transition-request.ts's transitionEvent, the kill switch's halt) and ingest's created/refused, whose
    // literals sit in create-action-request.ts's calls of insertRequest
    expect(dynamic.sort()).toEqual([
      "lib/action-requests/transition-request.ts: action: event",
      "lib/agent-api/persist-action-request.ts: action: audit.action",
      "lib/guardrails/kill-switches.ts: action: HALT_EVENT.get(q.status as (typeof HALTABLE)[number])!",
    ]);
  });

  it("no code appends to the audit table but tollgate_append_audit", () => {
    const direct = sourceFiles(path.join(ROOT, "lib"))
      .concat(sourceFiles(path.join(ROOT, "app")))
      .filter((f) => /insert\s+into\s+"AuditEvent"/i.test(fs.readFileSync(f, "utf8")));
    expect(direct).toEqual([]);
  });

  it("gives each payload a strict object schema that leaves `context` to the request", () => {
    const objects = (s: z.ZodType): z.ZodType[] => {
      const def = (s as unknown as { def: { type: string; options?: z.ZodType[] } }).def;
      return def.type === "union" ? def.options!.flatMap(objects) : [s];
    };
    for (const action of AUDIT_ACTIONS) {
      for (const o of objects(AUDIT_EVENTS[action].payload)) {
        const def = (
          o as unknown as { def: { type: string; catchall?: { def: { type: string } } } }
        ).def;
        expect([action, def.type]).toEqual([action, "object"]);
        expect([action, def.catchall?.def.type]).toEqual([action, "never"]);
        expect(Object.keys((o as z.ZodObject).shape)).not.toContain(CONTEXT_KEY);
      }
    }
  });

  it.each<[string, TAuditAction, unknown]>([
    ["a missing field", "kill_switch.tripped", { scope: "global", target: "global" }],
    ["a wrong type", "kill_switch.tripped", { scope: "global", target: "global", halted: "3" }],
    ["an unknown field", "api_key.revoked", { keyId: "k", prefix: "tg_dev_ab", plaintext: "x" }],
    ["no payload", "agent.rate_limited", undefined],
    ["a shape of another action", "execution.started", { from: "approved", to: "executing" }],
    ["neither shape of a union", "action_request.created", { status: "observed" }],
  ])("refuses %s", (_why, action, payload) => {
    expect(() => storedPayload(action, payload)).toThrow(`Audit payload of ${action} is malformed`);
  });

  it("refuses an action nobody registered", () => {
    expect(() => storedPayload("test.unregistered", {})).toThrow(/Unregistered audit action/);
  });

  it("stores the payload as given, with the request context beside it", () => {
    const payload = { scope: "global", target: "global", halted: 2 };
    expect(storedPayload("kill_switch.tripped", payload)).toBe(payload);
    const context = { ip: "203.0.113.7", userAgent: "Mozilla/5.0" };
    expect(storedPayload("kill_switch.tripped", payload, context)).toEqual({
      ...payload,
      context,
    });
    expect(() =>
      storedPayload("kill_switch.tripped", payload, {
        ip: null,
        userAgent: "x".repeat(USER_AGENT_MAX + 1),
      }),
    ).toThrow();
  });

  it("reads the context back from a stored payload, and nothing from one without it", () => {
    const context = { ip: null, userAgent: "curl/8.5.0" };
    expect(contextOf({ scope: "global", context })).toEqual(context);
    expect(contextOf({ scope: "global" })).toBeNull();
    expect(contextOf({ context: { ip: 7 } })).toBeNull();
    expect(contextOf(null)).toBeNull();
  });

  it("accepts the shapes the seed and the live code both write", () => {
    const seeded = { attempts: 5, errorClass: "timeout", code: "TIMEOUT" };
    const live = {
      from: "executing",
      to: "retrying",
      workerId: "w-1",
      attempt: 2,
      errorClass: "timeout",
      code: "TIMEOUT",
      nextAttemptAt: "2026-01-01T00:00:00.000Z",
    };
    const sweep = {
      from: "executing",
      to: "retrying",
      workerId: "sweep",
      attempt: 1,
      errorClass: "interrupted",
    };
    for (const p of [seeded, live, sweep])
      expect(() => storedPayload("execution.retry_scheduled", p)).not.toThrow();
  });
});
