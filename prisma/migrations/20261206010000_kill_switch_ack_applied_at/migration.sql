-- When the instance applied the trip in memory, by its own clock (KillSwitchAck.ackedAt is the
-- database's, after the drain and the acknowledgement's own round trip): propagation is the trip's
-- commit → this, as bench:killswitch reports it. Null on rows written before this column.
ALTER TABLE "KillSwitchAck" ADD COLUMN "appliedAt" TIMESTAMP(3);
