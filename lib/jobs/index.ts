export {
  CRON_QUEUE,
  JOB_NAMES,
  LEADER_NAMES,
  LEADERS,
  JOBS,
  MAINTENANCE_SECONDS,
  parsePayload,
  ZTick,
  type TJobDefinition,
  type TJobName,
  type TJobPayload,
  type TJobSchedule,
  type TLeaderDefinition,
  type TLeaderName,
} from "./registry";
export { getBoss, installQueues, sendJob, stopBoss } from "./boss";
export { describeSchedules, startJobConsumers, type TConsumers } from "./consume";
export { JOB_HANDLERS, LEADER_HANDLERS, type TJobContext, type TLeaderStep } from "./handlers";
export { startLeaderLoops, type TLeaderLoops } from "./leader";
