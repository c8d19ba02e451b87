-- Device registrations made by XAPPLEPUSHSERVICE: one row per (APS account id, device token), so two phones
-- that share an account id both get pushes. Written for H2 (the default) and PostgreSQL alike.
CREATE TABLE registration (
    account_id       VARCHAR(256)             NOT NULL,
    device_token     VARCHAR(256)             NOT NULL,
    username         VARCHAR(512)             NOT NULL,
    subtopic         VARCHAR(256)             NOT NULL,
    aps_version      INTEGER                  NOT NULL,
    topic            VARCHAR(256),
    first_registered TIMESTAMP WITH TIME ZONE NOT NULL,
    last_registered  TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (account_id, device_token)
);

CREATE INDEX registration_by_username ON registration (username);

-- The mailboxes a registration watches, as the client sees them (INBOX normalised to upper case).
CREATE TABLE registration_mailbox (
    account_id   VARCHAR(256)  NOT NULL,
    device_token VARCHAR(256)  NOT NULL,
    mailbox      VARCHAR(1024) NOT NULL,
    PRIMARY KEY (account_id, device_token, mailbox),
    FOREIGN KEY (account_id, device_token) REFERENCES registration (account_id, device_token) ON DELETE CASCADE
);
