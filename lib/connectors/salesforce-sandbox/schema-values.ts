// Picklist values and history-tracking settings of the sandbox org, shared by the schema,
// the store's derived fields and the demo data.

export interface StageInfo {
  probability: number;
  forecastCategory: string;
  isClosed: boolean;
  isWon: boolean;
}

/** Default sales process; probability and forecast category follow the stage as in a new org. */
export const OPPORTUNITY_STAGES: Readonly<Record<string, StageInfo>> = {
  Prospecting: { probability: 10, forecastCategory: "Pipeline", isClosed: false, isWon: false },
  Qualification: { probability: 10, forecastCategory: "Pipeline", isClosed: false, isWon: false },
  "Needs Analysis": {
    probability: 20,
    forecastCategory: "Pipeline",
    isClosed: false,
    isWon: false,
  },
  "Value Proposition": {
    probability: 50,
    forecastCategory: "Pipeline",
    isClosed: false,
    isWon: false,
  },
  "Id. Decision Makers": {
    probability: 60,
    forecastCategory: "Pipeline",
    isClosed: false,
    isWon: false,
  },
  "Perception Analysis": {
    probability: 70,
    forecastCategory: "Pipeline",
    isClosed: false,
    isWon: false,
  },
  "Proposal/Price Quote": {
    probability: 75,
    forecastCategory: "Pipeline",
    isClosed: false,
    isWon: false,
  },
  "Negotiation/Review": {
    probability: 90,
    forecastCategory: "Commit",
    isClosed: false,
    isWon: false,
  },
  "Closed Won": { probability: 100, forecastCategory: "Closed", isClosed: true, isWon: true },
  "Closed Lost": { probability: 0, forecastCategory: "Omitted", isClosed: true, isWon: false },
};

export const LEAD_STATUSES = [
  "Open - Not Contacted",
  "Working - Contacted",
  "Closed - Converted",
  "Closed - Not Converted",
] as const;

export const LEAD_SOURCES = [
  "Web",
  "Phone Inquiry",
  "Partner Referral",
  "Purchased List",
  "Other",
] as const;

export const INDUSTRIES = [
  "Agriculture",
  "Apparel",
  "Banking",
  "Biotechnology",
  "Chemicals",
  "Communications",
  "Construction",
  "Consulting",
  "Education",
  "Electronics",
  "Energy",
  "Engineering",
  "Entertainment",
  "Environmental",
  "Finance",
  "Food & Beverage",
  "Government",
  "Healthcare",
  "Hospitality",
  "Insurance",
  "Machinery",
  "Manufacturing",
  "Media",
  "Not For Profit",
  "Recreation",
  "Retail",
  "Shipping",
  "Technology",
  "Telecommunications",
  "Transportation",
  "Utilities",
  "Other",
] as const;

export const ACCOUNT_TYPES = [
  "Prospect",
  "Customer - Direct",
  "Customer - Channel",
  "Channel Partner / Reseller",
  "Installation Partner",
  "Technology Partner",
  "Other",
] as const;

export const OPPORTUNITY_TYPES = [
  "Existing Customer - Upgrade",
  "Existing Customer - Replacement",
  "Existing Customer - Downgrade",
  "New Customer",
] as const;

export const FORECAST_CATEGORIES = [
  "Omitted",
  "Pipeline",
  "Best Case",
  "Commit",
  "Closed",
] as const;

export const QUOTE_STATUSES = [
  "Draft",
  "Needs Review",
  "In Review",
  "Approved",
  "Rejected",
  "Presented",
  "Accepted",
  "Denied",
] as const;

export const ORDER_STATUSES = ["Draft", "Activated"] as const;

export const HISTORY_TRACKED_FIELDS = {
  Opportunity: ["StageName", "Amount", "CloseDate", "OwnerId", "NextStep"],
  Lead: ["Status", "OwnerId", "LeadSource", "Company", "Email", "Title"],
  Account: ["Name", "Industry", "Type", "OwnerId", "AnnualRevenue"],
  Contact: ["Email", "Title", "Phone", "AccountId", "OwnerId"],
} as const;
