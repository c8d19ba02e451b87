package org.mailpush.server.service;

/**
 * Which part of mailpush a process runs. By default one process does everything; a site that wants the process
 * facing the network never to read the APNs key runs two, under two users, connected only through the token store
 * (see docs/security.md).
 */
public enum Role {
    /** Intake, routing and pushing in one process. */
    ALL,
    /** The doors (Cyrus socket, HTTP intake, xapsd API, IMAP proxy) and routing; pushes are queued in the store. */
    INTAKE,
    /** Takes queued pushes from the store and sends them; listens to nothing from outside but the ops endpoint. */
    PUSHER
}
