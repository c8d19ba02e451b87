-- Wakes the pusher processes when pushes are queued (channel mailpush_push_queue, heard on the store's LISTEN
-- connection); once per statement, so a batch of a thousand pushes is one notification. Pushers poll as well
-- (store.queue-poll), since NOTIFY is lost while their listening connection is down.
CREATE FUNCTION mailpush_push_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('mailpush_push_queue', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER push_queued
    AFTER INSERT ON push_queue
    FOR EACH STATEMENT EXECUTE FUNCTION mailpush_push_queued();
