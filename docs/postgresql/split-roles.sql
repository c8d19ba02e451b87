-- Database roles for a split install (docs/security.md, "Two processes, two users"): the intake process and the
-- pusher process each log in as a role that can do its own work on the token store and nothing else; neither can
-- change the schema, and neither knows the owner's password.
--
-- Before: mailpush's migrations have run as the schema's owner (any mailpush command that opens the store does
-- it, e.g. `mailpush tokens list --config owner.yaml` with the owner as store.user), and the two login roles exist:
--   CREATE ROLE mailpush_intake LOGIN PASSWORD '...';
--   CREATE ROLE mailpush_pusher LOGIN PASSWORD '...';
-- Then, as the owner, in mailpush's database:  psql -d mailpush -f split-roles.sql
-- After an upgrade that adds a table or a column, the release notes say what to grant (issue 17's shared queue:
-- the two column grants on push_queue below); SplitProcessesIT runs this file.

GRANT USAGE ON SCHEMA public TO mailpush_intake, mailpush_pusher;
-- Both open the store with Flyway, which reads the schema's version (and changes nothing when it is current).
GRANT SELECT ON flyway_schema_history TO mailpush_intake, mailpush_pusher;

-- The intake stores and refreshes registrations (Cyrus, xapsd, the IMAP proxy) and DAV subscriptions (Cyrus's
-- ApplePushServiceDAV), expires old ones, and queues pushes (mail and DAV) for the pusher; it cannot take pushes out
-- of the queue.
GRANT SELECT, INSERT, UPDATE, DELETE ON registration, registration_mailbox, dav_subscription TO mailpush_intake;
-- Queuing a push for a target already queued merges it into its row (INSERT ... ON CONFLICT DO UPDATE): the
-- intake may change what says which events wait, never who holds a row (claimed_by, lease_until).
GRANT SELECT, INSERT ON push_queue TO mailpush_intake;
GRANT UPDATE (generation, new_mail, received_at) ON push_queue TO mailpush_intake;

-- The pusher reads registrations, removes those APNs says are gone, and drains the queue; it cannot add or change
-- a registration (so a bug on the side that holds the APNs key cannot route anyone's mail to another device).
GRANT SELECT, DELETE ON registration, registration_mailbox TO mailpush_pusher;
-- Likewise DAV subscriptions: it reads them and removes those APNs answered 410 for.
GRANT SELECT, DELETE ON dav_subscription TO mailpush_pusher;
-- The queue is shared by every pusher: each claims rows under a lease (SELECT ... FOR UPDATE SKIP LOCKED, then
-- claimed_by, lease_until), renews it, and deletes a row once Apple answered; it cannot queue or merge a push.
GRANT SELECT, DELETE ON push_queue TO mailpush_pusher;
GRANT UPDATE (claimed_by, lease_until, claimed_generation, deliveries) ON push_queue TO mailpush_pusher;
