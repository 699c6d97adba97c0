// Deterministic demo CRM: the same ids and (for the same `now`) the same field values on
// every machine, so docs, e2e tests and the Tollgate demo history can point at records.
import { makeRng } from "../../core/prng";
import { formatDate } from "./field-values";
import { DEMO_POD, makeSalesforceId } from "./ids";
import { LEAD_SOURCES, LEAD_STATUSES, OPPORTUNITY_STAGES, OPPORTUNITY_TYPES } from "./schema";
import type { SandboxStore, WriteContext } from "./store";
import { INTEGRATION_USER_ID } from "./store-snapshot";
import {
  ACCOUNT_WORDS,
  COMPANY_SUFFIXES,
  COUNTRIES,
  DEMO_USERS,
  FIRST_NAMES,
  LAST_NAMES,
  NEXT_STEPS,
  PRODUCTS,
  TITLES,
} from "./demo-words";

export const DEMO_COUNTS = {
  users: DEMO_USERS.length,
  accounts: 60,
  contacts: 120,
  leads: 200,
  opportunities: 150,
  quotes: 10,
  orders: 4,
} as const;

export interface DemoRecordIds {
  users: string[];
  accounts: string[];
  contacts: string[];
  leads: string[];
  opportunities: string[];
  quotes: string[];
  orders: string[];
}

const range = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => makeSalesforceId(prefix, i + 1, DEMO_POD));

/** Ids of the demo records in creation order; stable across runs and independent of `now`. */
export function demoRecordIds(): DemoRecordIds {
  return {
    users: range(DEMO_COUNTS.users, "005"),
    accounts: range(DEMO_COUNTS.accounts, "001"),
    contacts: range(DEMO_COUNTS.contacts, "003"),
    leads: range(DEMO_COUNTS.leads, "00Q"),
    opportunities: range(DEMO_COUNTS.opportunities, "006"),
    quotes: range(DEMO_COUNTS.quotes, "0Q0"),
    orders: range(DEMO_COUNTS.orders, "801"),
  };
}

const DAY = 86_400_000;
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "");

export interface SeedOptions {
  /** The demo's "today": close dates and creation times are spread around it. */
  now: Date;
}

/** Replaces the store's contents with the demo org. Runs as one transaction. */
export function seedDemoData(store: SandboxStore, options: SeedOptions): DemoRecordIds {
  store.reset();
  const ids = demoRecordIds();
  const rnd = makeRng(20261123);
  const now = options.now.getTime();
  const ago = (days: number, extraMs = 0) => new Date(now - days * DAY + extraMs);
  const integration: WriteContext = { userId: INTEGRATION_USER_ID };

  store.transaction(() => {
    DEMO_USERS.forEach((u, i) => {
      const username = `${slug(u.first)}.${slug(u.last)}@tollgate.sandbox`;
      store.create(
        "User",
        {
          FirstName: u.first,
          LastName: u.last,
          Username: username,
          Email: username,
          Alias: slug(u.first).slice(0, 8),
          Title: u.title,
          Department: u.department,
        },
        integration,
        { id: ids.users[i], at: ago(400) },
      );
    });
    const sellers = ids.users.filter((_, i) => DEMO_USERS[i].sells);
    const companies = rnd.shuffle(
      ACCOUNT_WORDS.flatMap((w) => COMPANY_SUFFIXES.map((s) => `${w} ${s}`)),
    );

    const accounts = ids.accounts.map((id, i) => {
      const name = companies[i];
      const owner = rnd.pick(sellers);
      const employees = rnd.pick([12, 45, 80, 150, 320, 800, 1500, 4200, 12000]);
      store.create(
        "Account",
        {
          Name: name,
          Industry: rnd.pick([
            "Technology",
            "Manufacturing",
            "Healthcare",
            "Finance",
            "Retail",
            "Energy",
            "Media",
            "Transportation",
          ]),
          Type:
            rnd.next() < 0.45
              ? "Customer - Direct"
              : rnd.pick(["Prospect", "Customer - Channel", "Technology Partner"]),
          OwnerId: owner,
          BillingCountry: rnd.pick(COUNTRIES),
          AnnualRevenue: employees * rnd.int(90, 260) * 1000,
          NumberOfEmployees: employees,
          Website: `https://www.${slug(name)}.example`,
        },
        { userId: owner },
        { id, at: ago(rnd.int(200, 380)) },
      );
      return { id, name, owner };
    });

    ids.contacts.forEach((id, i) => {
      const account = accounts[i % accounts.length];
      const first = rnd.pick(FIRST_NAMES);
      const last = rnd.pick(LAST_NAMES);
      store.create(
        "Contact",
        {
          FirstName: first,
          LastName: last,
          AccountId: account.id,
          Email: `${slug(first)}.${slug(last)}@${slug(account.name)}.example`,
          Title: rnd.pick(TITLES),
          Phone: `+1 415 555 ${String(1000 + i).slice(-4)}`,
          LeadSource: rnd.pick(LEAD_SOURCES),
          OwnerId: account.owner,
        },
        { userId: account.owner },
        { id, at: ago(rnd.int(100, 200)) },
      );
    });

    const stages = Object.keys(OPPORTUNITY_STAGES);
    const opportunities = ids.opportunities.map((id, i) => {
      const account = accounts[(i * 7) % accounts.length];
      // Every stage gets at least 15 deals; the rest skew toward the early funnel.
      const finalStage = i < stages.length * 15 ? i % stages.length : rnd.int(0, 4);
      const stage = stages[finalStage];
      const { isClosed } = OPPORTUNITY_STAGES[stage];
      const createdDaysAgo = rnd.int(20, 200);
      const overdue = !isClosed && rnd.next() < 0.1;
      const closeDate = isClosed
        ? ago(rnd.int(1, Math.max(2, createdDaysAgo - 5)))
        : overdue
          ? ago(rnd.int(1, 20))
          : ago(-rnd.int(5, 150));
      const amount = Math.round((rnd.next() ** 2 * 240_000 + 6_000) / 500) * 500;
      const product = rnd.pick(PRODUCTS);
      const owner = account.owner;
      store.create(
        "Opportunity",
        {
          Name: `${account.name} - ${product}`,
          AccountId: account.id,
          OwnerId: owner,
          StageName: stages[Math.min(finalStage, 1)],
          Amount: amount,
          CloseDate: formatDate(closeDate),
          LeadSource: rnd.pick(LEAD_SOURCES),
          Type: rnd.pick(OPPORTUNITY_TYPES),
          NextStep: isClosed ? null : rnd.pick(NEXT_STEPS),
        },
        { userId: owner },
        { id, at: ago(createdDaysAgo) },
      );
      // Walk the deal through part of the funnel so field history looks like a real org's.
      const path = stages.slice(2, isClosed ? 7 : finalStage + 1).filter(() => rnd.next() < 0.5);
      if (finalStage > 1) path.push(stage);
      const steps = [...new Set(path)];
      steps.forEach((s, k) => {
        const at = ago(
          createdDaysAgo - ((k + 1) * createdDaysAgo) / (steps.length + 1),
          rnd.int(0, 3_600_000),
        );
        const change: Record<string, unknown> = { StageName: s };
        if (s === "Negotiation/Review" && rnd.next() < 0.5)
          change.Amount = Math.round((amount * 0.9) / 500) * 500;
        store.update("Opportunity", id, change, { userId: owner }, { at });
      });
      return { id, account, stage, owner };
    });

    const statusWeights: Array<(typeof LEAD_STATUSES)[number]> = [
      ...Array<"Open - Not Contacted">(9).fill("Open - Not Contacted"),
      ...Array<"Working - Contacted">(7).fill("Working - Contacted"),
      ...Array<"Closed - Not Converted">(2).fill("Closed - Not Converted"),
    ];
    const convertible = opportunities.filter((o) => o.stage !== "Closed Lost");
    let converted = 0;
    ids.leads.forEach((id, i) => {
      const first = rnd.pick(FIRST_NAMES);
      const last = rnd.pick(LAST_NAMES);
      const company = companies[DEMO_COUNTS.accounts + i];
      const owner = rnd.pick(sellers);
      const createdDaysAgo = rnd.int(0, 120);
      store.create(
        "Lead",
        {
          FirstName: first,
          LastName: last,
          Company: company,
          // Some leads arrive without enrichment: the enrichment bot's work queue.
          Email: rnd.next() < 0.85 ? `${slug(first)}.${slug(last)}@${slug(company)}.example` : null,
          Title: rnd.next() < 0.7 ? rnd.pick(TITLES) : null,
          Phone: rnd.next() < 0.6 ? `+1 212 555 ${String(2000 + i).slice(-4)}` : null,
          Status: rnd.pick(statusWeights),
          OwnerId: owner,
          LeadSource: rnd.pick(LEAD_SOURCES),
          Industry:
            rnd.next() < 0.75
              ? rnd.pick([
                  "Technology",
                  "Manufacturing",
                  "Healthcare",
                  "Finance",
                  "Retail",
                  "Education",
                ])
              : null,
          NumberOfEmployees: rnd.next() < 0.6 ? rnd.pick([10, 25, 60, 200, 500, 2000]) : null,
          Country: rnd.pick(COUNTRIES),
          Website: rnd.next() < 0.5 ? `https://${slug(company)}.example` : null,
        },
        { userId: owner },
        { id, at: ago(createdDaysAgo + 1, rnd.int(0, 8 * 3_600_000)) },
      );
      if (i % 10 === 9 && converted < convertible.length) {
        const opp = convertible[converted++];
        const contact =
          ids.contacts[accounts.findIndex((a) => a.id === opp.account.id) % ids.contacts.length];
        store.convertLead(
          id,
          { accountId: opp.account.id, contactId: contact, opportunityId: opp.id },
          { userId: owner },
          {
            at: ago(Math.max(0, createdDaysAgo - 1)),
          },
        );
      }
    });

    const quotable = opportunities.filter((o) =>
      ["Proposal/Price Quote", "Negotiation/Review", "Closed Won"].includes(o.stage),
    );
    const quoteStatuses = [
      "Draft",
      "Needs Review",
      "In Review",
      "Approved",
      "Presented",
      "Accepted",
    ];
    const quotes = ids.quotes.map((id, i) => {
      const opp = quotable[i % quotable.length];
      const status = opp.stage === "Closed Won" ? "Accepted" : quoteStatuses[i % 5];
      store.create(
        "Quote",
        {
          Name: `Q-${opp.account.name}`,
          OpportunityId: opp.id,
          Status: status,
          ExpirationDate: formatDate(ago(-30 - i)),
        },
        { userId: opp.owner },
        { id, at: ago(10 - (i % 5)) },
      );
      return { id, opp };
    });

    const won = quotes.filter((q) => q.opp.stage === "Closed Won");
    ids.orders.forEach((id, i) => {
      const q = won[i % Math.max(1, won.length)] ?? quotes[i];
      store.create(
        "Order",
        {
          Name: `Order - ${q.opp.account.name}`,
          AccountId: q.opp.account.id,
          OpportunityId: q.opp.id,
          QuoteId: q.id,
          Status: i < 2 ? "Activated" : "Draft",
          EffectiveDate: formatDate(ago(5 - i)),
        },
        { userId: q.opp.owner },
        { id, at: ago(5 - i) },
      );
    });
  });
  return ids;
}
