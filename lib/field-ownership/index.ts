export {
  createFieldOwnership,
  deleteFieldOwnership,
  listFieldOwnership,
  updateFieldOwnership,
  type TFieldOwnershipList,
} from "./field-ownership";
export {
  CONFLICT_RULES,
  CONFLICT_RULE_LABELS,
  HUMANS,
  ZCreateFieldOwnershipInput,
  ZDeleteFieldOwnershipInput,
  ZUpdateFieldOwnershipInput,
  widenings,
} from "./schemas";
