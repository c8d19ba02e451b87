-- Every change to a registration tells the mailpush processes sharing this database which user's routing cache to
-- drop: NOTIFY is delivered at commit, so no process can cache the old rows after it.
CREATE FUNCTION mailpush_registration_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('mailpush_registrations', OLD.username);
    ELSE
        PERFORM pg_notify('mailpush_registrations', NEW.username);
        IF TG_OP = 'UPDATE' AND OLD.username <> NEW.username THEN
            PERFORM pg_notify('mailpush_registrations', OLD.username);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER registration_changed
    AFTER INSERT OR UPDATE OR DELETE ON registration
    FOR EACH ROW EXECUTE FUNCTION mailpush_registration_changed();
