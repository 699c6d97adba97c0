export {
  CRON_QUEUE,
  JOB_NAMES,
  JOBS,
  MAINTENANCE_SECONDS,
  parsePayload,
  ZTick,
  type TJobDefinition,
  type TJobName,
  type TJobPayload,
  type TJobSchedule,
} from "./registry";
export { getBoss, installQueues, sendJob, stopBoss } from "./boss";
export { describeSchedules, startJobConsumers, type TConsumers } from "./consume";
export { JOB_HANDLERS, type TJobContext } from "./handlers";
