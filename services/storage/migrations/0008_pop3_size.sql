-- The size POP3 gives for a message (LIST, STAT): the message as RETR sends it, every line
-- ended by CRLF (a bare LF sent as CRLF) and a last line without an ending ended. Computed at
-- delivery. NULL means equal to `size`, which is what every CRLF-terminated message is: existing
-- rows and the common case cost nothing, and adding a column without a default rewrites no
-- table.
ALTER TABLE messages ADD COLUMN pop3_size bigint;
