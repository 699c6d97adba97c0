import { describe, expect, it } from "vitest";
import { AGENT_ERROR_CODES, AGENT_ERROR_STATUS } from "@/lib/core/errors";
import { openApiDocument } from "./openapi";

type TResponse = {
  content?: Record<string, { schema: { allOf?: { properties?: Record<string, unknown> }[] } }>;
};

/** Every problem response in the document: its status key and the codes it names. */
function problemResponses() {
  const doc = openApiDocument();
  const out: { where: string; status: string; codes: string[]; statusConst: unknown }[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops as Record<string, unknown>)) {
      const responses = (op as { responses: Record<string, TResponse> }).responses;
      for (const [status, res] of Object.entries(responses)) {
        const schema = res.content?.["application/problem+json"]?.schema;
        if (!schema) continue;
        const props = schema.allOf?.find((s) => s.properties)?.properties as {
          code: { enum: string[] };
          status: { const: unknown };
        };
        out.push({
          where: `${method} ${path} ${status}`,
          status,
          codes: props.code.enum,
          statusConst: props.status.const,
        });
      }
    }
  }
  return out;
}

describe("the OpenAPI document's error codes", () => {
  it("are the error map's agent codes, no more and no fewer", () => {
    const listed = new Set(problemResponses().flatMap((r) => r.codes));
    expect([...listed].sort()).toEqual([...AGENT_ERROR_CODES].sort());
    const problem = openApiDocument().components.schemas.Problem as unknown as {
      properties: { code: { enum: string[] } };
    };
    expect([...problem.properties.code.enum].sort()).toEqual([...AGENT_ERROR_CODES].sort());
  });

  it("sit under the status the map gives them", () => {
    const rows = problemResponses();
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.statusConst, r.where).toBe(Number(r.status));
      for (const code of r.codes) {
        expect(
          AGENT_ERROR_STATUS[code as keyof typeof AGENT_ERROR_STATUS],
          `${r.where} ${code}`,
        ).toBe(Number(r.status));
      }
    }
  });
});
