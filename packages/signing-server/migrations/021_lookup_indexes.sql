-- Lookups on the signing path that scanned whole tables (issue 8, found under load): a
-- credential's certificate is read by (credential_id, serial) on every signHash and authorisation;
-- the certificates table grows with every issuance, so without an index each request cost a
-- sequential scan proportional to everything the CA ever issued.
CREATE INDEX certificates_by_credential ON certificates (credential_id, serial);
