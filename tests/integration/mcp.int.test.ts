import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { db } from "@/lib/db";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { createApiKey } from "@/lib/agents/api-keys";
import { createSandboxServer, type SandboxServer } from "@/lib/connectors/salesforce-sandbox";
import { pointDemoEnvironmentsAt } from "@/lib/environments";
import { startApiInstance } from "./fixtures/api-instance";
import { stageChangeBody } from "./fixtures/agent-bodies";
import { insideOneMinuteWindow } from "./fixtures/clock";

/** The MCP endpoint, driven by the official SDK's client over streamable HTTP. */
describe("MCP endpoint", () => {
  let sandbox: SandboxServer;
  let api: { url: string; close: () => Promise<void> };
  let client: Client;
  let oppId: string;

  const connect = async (key: string) => {
    const c = new Client({ name: "it-agent", version: "1.0.0" });
    await c.connect(
      new StreamableHTTPClientTransport(new URL(`${api.url}/api/agent/v1/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    return c;
  };
  const text = (r: unknown) => JSON.parse((r as { content: { text: string }[] }).content[0].text);

  beforeAll(async () => {
    await seedDemoOrg();
    sandbox = await createSandboxServer({ seed: "demo" });
    await pointDemoEnvironmentsAt(sandbox.url);
    api = await startApiInstance();
    const key = (await createApiKey({ agentSlug: "pipeline-hygiene-bot", envSlug: "prod" }))
      .plaintext;
    client = await connect(key);
    const opp = (
      [...sandbox.store.records("Opportunity")] as {
        Id: string;
        StageName: string;
        Amount: number;
        IsClosed: boolean;
      }[]
    ).find((o) => !o.IsClosed && o.StageName === "Qualification" && o.Amount < 90_000)!;
    oppId = opp.Id;
  });
  afterAll(async () => {
    await client?.close();
    await api.close();
    await sandbox.close();
  });

  it("lists the three tools", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      "describe_me",
      "get_action_request",
      "propose_action",
    ]);
    expect(tools.find((t) => t.name === "propose_action")?.inputSchema.required).toEqual(
      expect.arrayContaining(["idempotencyKey", "actionType", "changes"]),
    );
  });

  it("proposes an action and reads it back, as the HTTP API would", async () => {
    const proposed = await client.callTool({
      name: "propose_action",
      arguments: stageChangeBody(oppId, {
        changes: { StageName: "Needs Analysis" },
        reason: { code: "MEETING_HELD" },
      }),
    });
    expect(proposed.isError).toBe(false);
    const body = text(proposed);
    expect(body).toMatchObject({
      status: "pending_approval",
      decision: { approverRole: "sales_ops" },
      before: { StageName: "Qualification" },
    });
    expect(await db.actionRequest.count({ where: { id: body.id } })).toBe(1);
    const got = text(
      await client.callTool({ name: "get_action_request", arguments: { id: body.id } }),
    );
    expect(got).toMatchObject({
      id: body.id,
      status: "pending_approval",
      execution: { attempts: 0 },
    });
  });

  it("returns refusals as tool errors carrying the problem code", async () => {
    const refused = await client.callTool({
      name: "propose_action",
      // the same proposal without its reason
      arguments: stageChangeBody(oppId, {
        changes: { StageName: "Needs Analysis" },
        reason: undefined,
      }),
    });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatchObject({ status: 422, code: "reason_required" });
  });

  it("counts a propose_action call once against the agent's calls per minute, like POST", async () => {
    const agent = await db.agent.findFirstOrThrow({
      where: { slug: "pipeline-hygiene-bot", environment: { slug: "prod" } },
    });
    const calls = async () =>
      (
        await db.rateLimitCounter.findMany({ where: { agentId: agent.id, kind: "calls_minute" } })
      ).reduce((n, c) => n + c.count, 0);
    await insideOneMinuteWindow(40);
    const before = await calls();
    const proposed = await client.callTool({
      name: "propose_action",
      arguments: stageChangeBody(oppId, { changes: { StageName: "Needs Analysis" } }),
    });
    expect(proposed.isError).toBe(false);
    expect((await calls()) - before).toBe(1);
    // any other message is counted by the route
    await client.callTool({ name: "describe_me", arguments: {} });
    expect((await calls()) - before).toBe(2);
    // and so is a body it cannot read, before it is refused
    const deep = "[".repeat(2_000) + "]".repeat(2_000);
    const key = (await createApiKey({ agentSlug: "pipeline-hygiene-bot", envSlug: "prod" }))
      .plaintext;
    const res = await fetch(`${api.url}/api/agent/v1/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: deep,
    });
    expect(res.status).toBe(400);
    expect((await calls()) - before).toBe(3);
  });

  it("describes the agent", async () => {
    const me = text(await client.callTool({ name: "describe_me", arguments: {} }));
    expect(me.agent).toMatchObject({ slug: "pipeline-hygiene-bot", phase: "execute" });
  });

  it("refuses a bad API key before any MCP message", async () => {
    const bad = new Client({ name: "x", version: "1" });
    await expect(
      bad.connect(
        new StreamableHTTPClientTransport(new URL(`${api.url}/api/agent/v1/mcp`), {
          requestInit: { headers: { authorization: "Bearer tg_prod_nope" } },
        }),
      ),
    ).rejects.toThrow(/401|invalid_api_key/);
  });
});
