-- The push queue shared by several intake and pusher processes (issue 17; docs/deployment.md). One row per push
-- target instead of one per event: target_key names the registration ('m:' token ':' account) or the DAV
-- subscription ('d:' token ':' collection) -- a device token is hex, so the first ':' after it ends it -- and an
-- event for a target that is already queued is merged into its row (generation + 1), so a device's pending pushes
-- are claimed together by one pusher. A pusher claims rows (claimed_by, lease_until, the generation it claimed)
-- with SELECT ... FOR UPDATE SKIP LOCKED, renews its leases while it works, and deletes a row once Apple answered,
-- unless the row's generation moved on meanwhile (then it is released and pushed again). A pusher that dies leaves
-- its leases to expire; another takes the rows (deliveries counts the claims without a final answer).
ALTER TABLE push_queue ADD COLUMN target_key VARCHAR(1100);
ALTER TABLE push_queue ADD COLUMN generation BIGINT DEFAULT 1 NOT NULL;
ALTER TABLE push_queue ADD COLUMN claimed_by VARCHAR(128);
ALTER TABLE push_queue ADD COLUMN lease_until TIMESTAMP WITH TIME ZONE;
ALTER TABLE push_queue ADD COLUMN claimed_generation BIGINT;
ALTER TABLE push_queue ADD COLUMN deliveries INT DEFAULT 0 NOT NULL;

UPDATE push_queue SET target_key = CASE WHEN account_id IS NOT NULL
    THEN 'm:' || device_token || ':' || account_id
    ELSE 'd:' || device_token || ':' || collection_id END;
-- Rows queued before the upgrade, one per event: keep one per target (the oldest), new mail if any of them was.
UPDATE push_queue SET new_mail = TRUE WHERE new_mail = FALSE AND target_key IN (
    SELECT target_key FROM push_queue WHERE new_mail = TRUE);
DELETE FROM push_queue WHERE id NOT IN (SELECT MIN(id) FROM push_queue GROUP BY target_key);
ALTER TABLE push_queue ALTER COLUMN target_key SET NOT NULL;

CREATE UNIQUE INDEX push_queue_by_target ON push_queue (target_key);
