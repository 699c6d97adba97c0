export {
  changeGroupMember,
  createGroup,
  listGroups,
  onCallPerson,
  setGroupRotation,
  setGroupSla,
  setGroupWebhookFromConsole,
  type TGroupRow,
} from "./groups";
export * from "./group-input";
export { onCallAt, type TRotation } from "./on-call";
