export {
  engagedKillSwitches,
  listKillSwitches,
  resetKillSwitch,
  tripKillSwitch,
  ZKillSwitchInput,
  type TKillSwitchInput,
  type TKillSwitchRow,
} from "./kill-switches";
export {
  consumeRate,
  peekRate,
  pruneRateCounters,
  type TRateResult,
  type TRateWindow,
} from "./rate-limit";
