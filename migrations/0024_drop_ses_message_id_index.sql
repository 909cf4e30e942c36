-- Feedback finds an email by the id in our SES tag (sendfleet_email_id), its primary key, and
-- only checks the stored SES message id (src/domain/feedback.ts): this index cost a row written
-- at every write that set the column (the send, and the notification's write as well).
DROP INDEX `emails_ses_message_id`;
