-- Every change to a DAV subscription tells the routing cache of the process that runs this H2 database which
-- collection's entry to drop (payload: the collection id), as V2 does for registrations.
CREATE TRIGGER dav_subscription_changed AFTER INSERT, UPDATE, DELETE ON dav_subscription
    FOR EACH ROW CALL 'org.mailpush.store.H2ChangeTrigger';
