-- Every change to a registration tells the routing cache of the process that runs this H2 database which user's
-- entry to drop, including changes made by admin commands connected through H2's auto-server.
CREATE TRIGGER registration_changed AFTER INSERT, UPDATE, DELETE ON registration
    FOR EACH ROW CALL 'org.mailpush.store.H2ChangeTrigger';
