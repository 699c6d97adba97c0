-- Every lane has its head row from the start: appends then only UPDATE it (one row lock,
-- no insert race). The genesis hash is 64 zeros.
INSERT INTO "AuditLaneHead" (lane, seq, hash, "updatedAt") VALUES
  ('config', 0, '0000000000000000000000000000000000000000000000000000000000000000', now()),
  ('data', 0, '0000000000000000000000000000000000000000000000000000000000000000', now()),
  ('execution', 0, '0000000000000000000000000000000000000000000000000000000000000000', now())
ON CONFLICT (lane) DO NOTHING;
