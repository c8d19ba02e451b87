-- Every change to a DAV subscription tells the mailpush processes sharing this database which collection's routing
-- cache entry to drop (channel mailpush_dav_subscriptions, payload: the collection id), as V2 does for registrations.
CREATE FUNCTION mailpush_dav_subscription_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('mailpush_dav_subscriptions', OLD.collection_id);
    ELSE
        PERFORM pg_notify('mailpush_dav_subscriptions', NEW.collection_id);
        IF TG_OP = 'UPDATE' AND OLD.collection_id <> NEW.collection_id THEN
            PERFORM pg_notify('mailpush_dav_subscriptions', OLD.collection_id);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER dav_subscription_changed
    AFTER INSERT OR UPDATE OR DELETE ON dav_subscription
    FOR EACH ROW EXECUTE FUNCTION mailpush_dav_subscription_changed();
