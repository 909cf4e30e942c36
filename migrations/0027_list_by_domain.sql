-- GET /emails lists an account's emails as the merge of its domains' ranges of
-- emails_account_domain (account_id, domain_id, id), so the index of the account's emails in id
-- order alone, a row written per email, goes.
DROP INDEX `emails_account`;
