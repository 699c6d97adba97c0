export { decideActionRequest, ZDecisionInput, type TDecisionInput } from "./decide";
export { actOnDraft, ZDraftAction, type TDraftAction } from "./drafts";
export { bulkDecide, ZBulkDecision, type TBulkDecision } from "./bulk";
export {
  findInboxItem,
  inboxFacets,
  INBOX_AGES,
  listInbox,
  ZInboxQuery,
  type TInboxItem,
  type TInboxQuery,
} from "./inbox";
export { getInboxItem, type TInboxDetail } from "./inbox-item";
