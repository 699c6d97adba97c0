// Test-control routes under /__sandbox/, mounted only with `control: true`. They let a test
// reset or seed the org, inject faults, and play a human editing a record in the UI.
import { z } from "zod";
import { seedDemoData } from "./demo-data";
import { SalesforceApiError } from "./errors";
import { parseDateTime } from "./field-values";
import { ZFaultInput } from "./faults";
import { httpDate, parseJson, type ApiResponse } from "./server-http";
import { HUMAN_USER_ID, type SandboxStore } from "./store";

export interface ControlHost {
  store: SandboxStore;
  now: () => Date;
  /** Clears sessions-independent runtime state: cursors, faults, counters, API usage. */
  resetRuntime: () => void;
  configureFaults: (input: z.infer<typeof ZFaultInput>) => unknown;
  setLimits: (input: { dailyLimit?: number; used?: number }) => void;
  state: () => unknown;
}

const ZReset = z.object({ seed: z.enum(["demo", "none"]).optional() }).strict();
const ZSeed = z.object({ seed: z.literal("demo").optional() }).strict();
const ZHumanEdit = z
  .object({
    object: z.string().min(1),
    id: z.string().min(1),
    fields: z.record(z.string(), z.unknown()),
    userId: z.string().optional(),
  })
  .strict();
const ZLimits = z
  .object({
    dailyLimit: z.number().int().min(1).optional(),
    used: z.number().int().min(0).optional(),
  })
  .strict();

function parse<T>(schema: z.ZodType<T>, text: string): T {
  const result = schema.safeParse(text.trim() === "" ? {} : parseJson(text));
  if (!result.success) {
    const detail = result.error.issues
      .map((i) => `${i.path.join(".") || "body"}: ${i.message}`)
      .join("; ");
    throw new SalesforceApiError("INVALID_INPUT", detail);
  }
  return result.data;
}

export function controlRoute(
  host: ControlHost,
  method: string,
  action: string,
  body: string,
): ApiResponse {
  const route = `${method} ${action}`;
  switch (route) {
    case "POST reset": {
      const input = parse(ZReset, body);
      host.resetRuntime();
      if (input.seed === "demo") seedDemoData(host.store, { now: host.now() });
      else host.store.reset();
      return { status: 200, body: host.state() };
    }
    case "POST seed": {
      parse(ZSeed, body);
      seedDemoData(host.store, { now: host.now() });
      return { status: 200, body: host.state() };
    }
    case "POST faults":
      return { status: 200, body: host.configureFaults(parse(ZFaultInput, body)) };
    case "POST limits":
      host.setLimits(parse(ZLimits, body));
      return { status: 200, body: host.state() };
    case "POST human-edit": {
      const input = parse(ZHumanEdit, body);
      const updated = host.store.update(input.object, input.id, input.fields, {
        userId: input.userId ?? HUMAN_USER_ID,
      });
      const lastModified = parseDateTime(String(updated.LastModifiedDate)) ?? 0;
      return {
        status: 200,
        body: {
          id: updated.Id,
          LastModifiedDate: updated.LastModifiedDate,
          lastModifiedHttpDate: httpDate(lastModified),
          record: updated,
        },
      };
    }
    case "GET state":
      return { status: 200, body: host.state() };
    default:
      return {
        status: 404,
        body: [{ errorCode: "NOT_FOUND", message: `No sandbox control route ${route}` }],
      };
  }
}
