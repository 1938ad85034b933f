-- +goose Up
-- Replies to the customer from a ticket go out as messages of their own kind,
-- threaded by the ticket's email headers; the customer's answers come back as
-- notes of kind 'customer'.
ALTER TABLE messages DROP CONSTRAINT messages_kind_check,
    ADD CONSTRAINT messages_kind_check
        CHECK (kind IN ('order_confirmation', 'refund_notice', 'payment_failed', 'alert', 'ticket_reply')),
    ADD COLUMN ticket_id bigint REFERENCES tickets (id),
    -- the Message-ID this one answers, and the thread's References (space separated)
    ADD COLUMN in_reply_to text NOT NULL DEFAULT '',
    ADD COLUMN thread_refs text NOT NULL DEFAULT '';
CREATE INDEX messages_ticket_idx ON messages (ticket_id, id) WHERE ticket_id IS NOT NULL;

ALTER TABLE tickets
    -- the customer's latest Message-ID header and the thread's References,
    -- so a reply lands in the customer's thread
    ADD COLUMN email_message_id text NOT NULL DEFAULT '',
    ADD COLUMN email_refs text NOT NULL DEFAULT '',
    ADD COLUMN assignee text NOT NULL DEFAULT '',
    ADD COLUMN waiting_on text NOT NULL DEFAULT 'staff' CHECK (waiting_on IN ('staff', 'customer'));

ALTER TABLE ticket_notes
    ADD COLUMN kind text NOT NULL DEFAULT 'note' CHECK (kind IN ('note', 'reply', 'customer')),
    -- an inbound message's own ID, so a retried delivery appends once
    ADD COLUMN source_key text UNIQUE;

-- +goose Down
ALTER TABLE ticket_notes DROP COLUMN source_key, DROP COLUMN kind;
ALTER TABLE tickets DROP COLUMN waiting_on, DROP COLUMN assignee, DROP COLUMN email_refs, DROP COLUMN email_message_id;
DROP INDEX messages_ticket_idx;
DELETE FROM messages WHERE kind = 'ticket_reply';
ALTER TABLE messages DROP COLUMN thread_refs, DROP COLUMN in_reply_to, DROP COLUMN ticket_id,
    DROP CONSTRAINT messages_kind_check,
    ADD CONSTRAINT messages_kind_check CHECK (kind IN ('order_confirmation', 'refund_notice', 'payment_failed', 'alert'));
