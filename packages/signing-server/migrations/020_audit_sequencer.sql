-- Audit sequencer (issue 8): acts append their audit row in their own transaction WITHOUT taking
-- the chain lock; the row enters unsealed (seq, prev_hash, hash NULL). A sealer (one at a time,
-- advisory lock) links committed unsealed rows into the hash chain in batches, in id order. The
-- chain's content and verification are unchanged; only who assigns seq/prev_hash/hash changed.
-- Before: every act serialised on a transaction-scoped lock held through its commit (fsync), which
-- capped the whole service at one audited act per commit latency.
ALTER TABLE audit_log ADD COLUMN id bigserial;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey;
ALTER TABLE audit_log ADD PRIMARY KEY (id);
ALTER TABLE audit_log ALTER COLUMN seq DROP NOT NULL;
ALTER TABLE audit_log ALTER COLUMN prev_hash DROP NOT NULL;
ALTER TABLE audit_log ALTER COLUMN hash DROP NOT NULL;
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq);
CREATE INDEX audit_log_unsealed ON audit_log (id) WHERE seq IS NULL;
CREATE INDEX audit_log_action_subject ON audit_log (action, subject);

-- Rows enter unsealed; the only permitted change is sealing an unsealed row (setting seq,
-- prev_hash and hash together, nothing else); no delete, no truncate.
CREATE FUNCTION audit_log_insert_check() RETURNS trigger AS $$
BEGIN
  IF NEW.seq IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.hash IS NOT NULL THEN
    RAISE EXCEPTION 'audit_log rows enter unsealed (the sealer links them)';
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION audit_log_seal_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
     AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
     AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor = OLD.actor AND NEW.action = OLD.action
     AND NEW.subject IS NOT DISTINCT FROM OLD.subject AND NEW.details = OLD.details THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER audit_log_no_update ON audit_log;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_seal_only();
CREATE TRIGGER audit_log_insert_unsealed BEFORE INSERT ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_insert_check();
