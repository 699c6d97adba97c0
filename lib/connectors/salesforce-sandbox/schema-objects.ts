// Standard-object metadata for the sandbox org: the subset of fields Tollgate's workflows
// touch, with Salesforce's API names, labels, types and picklist values.
import {
  field,
  historyObject,
  idField,
  ownerField,
  personNameFields,
  picklist,
  reference,
  standardObject,
  systemFields,
  type HistoryTracking,
  type ObjectSchema,
} from "./schema-builder";
import {
  ACCOUNT_TYPES,
  FORECAST_CATEGORIES,
  HISTORY_TRACKED_FIELDS,
  INDUSTRIES,
  LEAD_SOURCES,
  LEAD_STATUSES,
  OPPORTUNITY_STAGES,
  OPPORTUNITY_TYPES,
  ORDER_STATUSES,
  QUOTE_STATUSES,
} from "./schema-values";

const currency = (name: string, label: string, opts = {}) =>
  field(name, "currency", label, { precision: 18, scale: 2, ...opts });

const tracking = (
  parent: keyof typeof HISTORY_TRACKED_FIELDS,
  historyObject = `${parent}History`,
): HistoryTracking => ({
  historyObject,
  parentField: `${parent}Id`,
  trackedFields: [...HISTORY_TRACKED_FIELDS[parent]],
});

const user = standardObject({
  name: "User",
  labelPlural: "Users",
  keyPrefix: "005",
  fields: [
    idField(),
    field("Username", "string", "Username", { required: true, length: 80 }),
    ...personNameFields(),
    field("Email", "email", "Email", { required: true, length: 128 }),
    field("Alias", "string", "Alias", { required: true, length: 8 }),
    field("Title", "string", "Title", { length: 80 }),
    field("Department", "string", "Department", { length: 80 }),
    field("IsActive", "boolean", "Active", { defaultValue: true }),
    ...systemFields().filter((f) => f.name !== "IsDeleted"),
  ],
  deletable: false,
});

const account = standardObject({
  name: "Account",
  labelPlural: "Accounts",
  keyPrefix: "001",
  fields: [
    idField(),
    field("Name", "string", "Account Name", { required: true }),
    picklist("Industry", "Industry", INDUSTRIES),
    picklist("Type", "Account Type", ACCOUNT_TYPES),
    ownerField(),
    field("BillingCountry", "string", "Billing Country", { length: 80 }),
    field("BillingCity", "string", "Billing City", { length: 40 }),
    field("AnnualRevenue", "currency", "Annual Revenue", { precision: 18, scale: 0 }),
    field("NumberOfEmployees", "int", "Employees", { precision: 8 }),
    field("Website", "url", "Website"),
    field("Phone", "phone", "Account Phone"),
    field("Description", "textarea", "Account Description"),
    ...systemFields(),
  ],
  history: tracking("Account"),
});

const contact = standardObject({
  name: "Contact",
  labelPlural: "Contacts",
  keyPrefix: "003",
  fields: [
    idField(),
    ...personNameFields(),
    reference("AccountId", "Account ID", "Account"),
    field("Email", "email", "Email"),
    field("Title", "string", "Title", { length: 128 }),
    field("Phone", "phone", "Business Phone"),
    field("Department", "string", "Department", { length: 80 }),
    picklist("LeadSource", "Lead Source", LEAD_SOURCES),
    field("MailingCountry", "string", "Mailing Country", { length: 80 }),
    ownerField(),
    field("Description", "textarea", "Contact Description"),
    ...systemFields(),
  ],
  history: tracking("Contact"),
});

const lead = standardObject({
  name: "Lead",
  labelPlural: "Leads",
  keyPrefix: "00Q",
  fields: [
    idField(),
    ...personNameFields(),
    field("Company", "string", "Company", { required: true }),
    field("Email", "email", "Email"),
    field("Title", "string", "Title", { length: 128 }),
    field("Phone", "phone", "Phone"),
    // Required, but Salesforce defaults it to the first value when the caller omits it.
    picklist("Status", "Lead Status", LEAD_STATUSES, {
      required: true,
      defaultValue: "Open - Not Contacted",
    }),
    ownerField(),
    picklist("LeadSource", "Lead Source", LEAD_SOURCES),
    picklist("Industry", "Industry", INDUSTRIES),
    field("NumberOfEmployees", "int", "Employees", { precision: 8 }),
    field("AnnualRevenue", "currency", "Annual Revenue", { precision: 18, scale: 0 }),
    field("Website", "url", "Website"),
    field("Country", "string", "Country", { length: 80 }),
    field("Description", "textarea", "Description"),
    field("IsConverted", "boolean", "Converted", { readOnly: true }),
    field("ConvertedDate", "date", "Converted Date", { readOnly: true }),
    reference("ConvertedAccountId", "Converted Account ID", "Account", { readOnly: true }),
    reference("ConvertedContactId", "Converted Contact ID", "Contact", { readOnly: true }),
    reference("ConvertedOpportunityId", "Converted Opportunity ID", "Opportunity", {
      readOnly: true,
    }),
    ...systemFields(),
  ],
  history: tracking("Lead"),
});

const opportunity = standardObject({
  name: "Opportunity",
  labelPlural: "Opportunities",
  keyPrefix: "006",
  fields: [
    idField(),
    field("Name", "string", "Name", { required: true, length: 120 }),
    reference("AccountId", "Account ID", "Account"),
    ownerField(),
    picklist("StageName", "Stage", Object.keys(OPPORTUNITY_STAGES), { required: true }),
    currency("Amount", "Amount"),
    field("CloseDate", "date", "Close Date", { required: true }),
    field("Probability", "percent", "Probability (%)", { readOnly: true, precision: 3 }),
    field("IsClosed", "boolean", "Closed", { readOnly: true }),
    field("IsWon", "boolean", "Won", { readOnly: true }),
    field("NextStep", "string", "Next Step"),
    field("Description", "textarea", "Description"),
    picklist("LeadSource", "Lead Source", LEAD_SOURCES),
    picklist("Type", "Opportunity Type", OPPORTUNITY_TYPES),
    // Follows the stage unless the caller sets it explicitly, as in Salesforce.
    picklist("ForecastCategoryName", "Forecast Category", FORECAST_CATEGORIES, { defaulted: true }),
    ...systemFields(),
  ],
  history: tracking("Opportunity", "OpportunityFieldHistory"),
});

const quote = standardObject({
  name: "Quote",
  labelPlural: "Quotes",
  keyPrefix: "0Q0",
  fields: [
    idField(),
    field("Name", "string", "Quote Name", { required: true }),
    reference("OpportunityId", "Opportunity ID", "Opportunity", {
      required: true,
      createOnly: true,
    }),
    reference("AccountId", "Account ID", "Account", { readOnly: true }),
    reference("ContactId", "Contact ID", "Contact"),
    field("QuoteNumber", "string", "Quote Number", { readOnly: true, length: 30 }),
    picklist("Status", "Status", QUOTE_STATUSES, { defaultValue: "Draft" }),
    field("ExpirationDate", "date", "Expiration Date"),
    field("Description", "textarea", "Description"),
    // Real quotes total their line items; the sandbox has none and copies the
    // opportunity amount at creation, which is what syncing line items would yield.
    currency("TotalPrice", "Subtotal", { readOnly: true }),
    currency("GrandTotal", "Grand Total", { readOnly: true }),
    field("IsSyncing", "boolean", "Syncing", { readOnly: true }),
    ...systemFields(),
  ],
});

const order = standardObject({
  name: "Order",
  labelPlural: "Orders",
  keyPrefix: "801",
  fields: [
    idField(),
    field("Name", "string", "Order Name", { length: 80 }),
    reference("AccountId", "Account ID", "Account", { required: true }),
    reference("OpportunityId", "Opportunity ID", "Opportunity"),
    reference("QuoteId", "Quote ID", "Quote"),
    field("OrderNumber", "string", "Order Number", { readOnly: true, length: 30 }),
    picklist("Status", "Status", ORDER_STATUSES, { required: true }),
    field("EffectiveDate", "date", "Order Start Date", { required: true }),
    currency("TotalAmount", "Order Amount", { readOnly: true }),
    field("Description", "textarea", "Description"),
    ownerField(),
    ...systemFields(),
  ],
});

export const OBJECT_SCHEMAS: readonly ObjectSchema[] = [
  account,
  contact,
  lead,
  opportunity,
  quote,
  order,
  user,
  historyObject(opportunity, "Opportunity Field History"),
  historyObject(lead, "Lead History"),
  historyObject(account, "Account History"),
  historyObject(contact, "Contact History"),
];
