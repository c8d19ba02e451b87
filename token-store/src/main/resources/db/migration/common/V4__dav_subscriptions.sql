-- CalDAV/CardDAV push subscriptions, as Cyrus's httpd reports them in ApplePushServiceDAV events: one row per
-- (device token, collection unique id); every refresh by the device replaces the row but for first_subscribed.
-- push_key is what the device holds (mailboxUser/mailboxUniqueId) and gets back in every push; kind says which app.
CREATE TABLE dav_subscription (
    device_token     VARCHAR(64)              NOT NULL,
    collection_id    VARCHAR(256)             NOT NULL,
    push_key         VARCHAR(1024)            NOT NULL,
    topic            VARCHAR(256)             NOT NULL,
    kind             VARCHAR(16)              NOT NULL,
    subscriber       VARCHAR(512)             NOT NULL,
    first_subscribed TIMESTAMP WITH TIME ZONE NOT NULL,
    last_subscribed  TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (device_token, collection_id),
    CONSTRAINT dav_subscription_kind CHECK (kind IN ('calendar', 'contacts'))
);

-- Routing looks subscriptions up by the collection a change event names; admin commands and the per-user limit by
-- subscriber; the sweeper by expiry.
CREATE INDEX dav_subscription_by_collection ON dav_subscription (collection_id);
CREATE INDEX dav_subscription_by_subscriber ON dav_subscription (subscriber);
CREATE INDEX dav_subscription_by_expiry ON dav_subscription (expires_at);

-- The split install's queue carries DAV pushes too: a row names either a registration (account_id, device_token)
-- or a DAV subscription (device_token, collection_id), never both.
ALTER TABLE push_queue ALTER COLUMN account_id DROP NOT NULL;
ALTER TABLE push_queue ADD COLUMN collection_id VARCHAR(256);
ALTER TABLE push_queue ADD CONSTRAINT push_queue_one_target
    CHECK ((account_id IS NULL AND collection_id IS NOT NULL) OR (account_id IS NOT NULL AND collection_id IS NULL));
