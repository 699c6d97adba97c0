import { AppError } from "@/lib/core/errors";
import type { TPolicyInput } from "@/lib/policy";
import type { TActionRequestInput } from "./contract";
import { policyConfig } from "./policy-context";

type TConfig = Awaited<ReturnType<typeof policyConfig>>;
type TWorkflow = NonNullable<ReturnType<TConfig["workflows"]["get"]>>;
export type TWorkflowVersion = TWorkflow["versions"][number];

/** What the request names, looked up in the (cached) configuration. */
export type TTarget = {
  config: TConfig;
  actionType: NonNullable<ReturnType<TConfig["actionTypes"]["get"]>>;
  workflow: TWorkflow;
  /** the version the agent asked for; undefined = picked by sticky bucket once the record is read */
  pinned: TWorkflowVersion | undefined;
};

/** Step 1: the action type, the workflow and a pinned version; an unknown name is a 400. */
export async function resolveTarget(input: TActionRequestInput): Promise<TTarget> {
  const config = await policyConfig();
  const actionType = config.actionTypes.get(input.actionType);
  if (!actionType) {
    throw new AppError("invalid_body", `Unknown action type "${input.actionType}"`, {
      errors: [
        {
          path: "actionType",
          message: `known types: ${[...config.actionTypes.keys()].join(", ")}`,
        },
      ],
    });
  }
  const workflow = config.workflows.get(input.workflow.key);
  if (!workflow)
    throw new AppError("invalid_body", `Unknown workflow "${input.workflow.key}"`, {
      errors: [{ path: "workflow.key", message: "no such workflow" }],
    });
  const pinned =
    input.workflow.version !== undefined
      ? workflow.versions.find((v) => v.version === input.workflow.version)
      : undefined;
  if (input.workflow.version !== undefined && !pinned) {
    throw new AppError(
      "invalid_body",
      `Workflow "${workflow.key}" has no version ${input.workflow.version}`,
      { errors: [{ path: "workflow.version", message: "no such version" }] },
    );
  }
  return { config, actionType, workflow, pinned };
}

/** A workflow version as the policy engine reads it. */
export const asPolicyWorkflow = (
  workflow: TWorkflow,
  v: TWorkflowVersion,
): NonNullable<TPolicyInput["workflow"]> => ({
  key: workflow.key,
  version: v.version,
  status: v.status,
  actionTypes: v.actionTypes,
  changeWindows: v.changeWindows as unknown as NonNullable<
    TPolicyInput["workflow"]
  >["changeWindows"],
});
