-- An email's bodies gzipped together when they are a kilobyte or more (src/db/queries/
-- email-bodies.ts): D1 bills storage by the byte for the 90 days an email is kept. A new
-- nullable column: no rebuild, and rows stored before keep their bodies in html and text_body.
ALTER TABLE `emails` ADD `body` blob;
