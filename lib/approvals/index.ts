export { decideActionRequest, ZDecisionInput, type TDecisionInput } from "./decide";
export { actOnDraft, ZDraftAction, type TDraftAction } from "./drafts";
export { bulkDecide, ZBulkDecision, type TBulkDecision } from "./bulk";
export {
  findInboxItem,
  getInboxItem,
  inboxFacets,
  INBOX_AGES,
  listInbox,
  ZInboxQuery,
  type TInboxDetail,
  type TInboxItem,
  type TInboxQuery,
} from "./inbox";
