import { withAgentKey } from "@/lib/http/with-agent-key";
import { describeAgent } from "@/lib/agent-api";

// GET /api/agent/v1/me — what this agent is and may do
export const GET = withAgentKey({}, ({ agent }) => describeAgent(agent));
