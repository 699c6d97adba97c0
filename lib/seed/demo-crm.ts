import { SandboxStore } from "@/lib/connectors/salesforce-sandbox/store";
import { seedDemoData } from "@/lib/connectors/salesforce-sandbox/demo-data";

export type TDemoLead = {
  Id: string;
  FirstName: string | null;
  LastName: string;
  Company: string;
  Email: string | null;
  Title: string | null;
  Industry: string | null;
  Status: string;
  OwnerId: string;
  Country: string | null;
};
export type TDemoOpportunity = {
  Id: string;
  Name: string;
  AccountId: string;
  StageName: string;
  Amount: number | null;
  CloseDate: string;
  IsClosed: boolean;
  OwnerId: string;
};

/** Fixed so the demo CRM (and the ids the history points at) is the same everywhere. */
const DEMO_EPOCH = new Date("2026-11-01T09:00:00.000Z");

let cached: {
  leads: TDemoLead[];
  opportunities: TDemoOpportunity[];
  accounts: string[];
  users: string[];
  /** account and user names by id, for what the inbox shows of a record */
  names: Map<string, string>;
} | null = null;

/**
 * The sandbox org's demo CRM records, as the demo history sees them: the same deterministic
 * data the Salesforce sandbox serves, so every action request points at a record that exists.
 */
export function demoCrm() {
  if (cached) return cached;
  const store = new SandboxStore({ clock: () => DEMO_EPOCH });
  seedDemoData(store, { now: DEMO_EPOCH });
  const all = (object: string) => [...store.records(object)] as Record<string, unknown>[];
  cached = {
    leads: all("Lead").filter((l) => !l.IsConverted) as unknown as TDemoLead[],
    opportunities: all("Opportunity") as unknown as TDemoOpportunity[],
    accounts: all("Account").map((a) => String(a.Id)),
    users: all("User").map((u) => String(u.Id)),
    names: new Map(
      [...all("Account"), ...all("User")].map((r) => [String(r.Id), String(r.Name)] as const),
    ),
  };
  return cached;
}
