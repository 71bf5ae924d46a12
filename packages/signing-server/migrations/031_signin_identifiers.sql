-- Sign-in by identity on /approve (issue 18): the subscriber signs in with her citizen ID (CCCD,
-- 12 digits) or her mobile number (stored as E.164, +84...), as registered by the operator
-- (POST /admin/subscribers/:id/sign-in), never with the generated subscriber id. Each identifier
-- names at most one subscriber (unique; NULL = not registered).
ALTER TABLE subscribers ADD COLUMN signin_cccd text;
ALTER TABLE subscribers ADD COLUMN signin_phone text;
CREATE UNIQUE INDEX subscribers_signin_cccd ON subscribers (signin_cccd);
CREATE UNIQUE INDEX subscribers_signin_phone ON subscribers (signin_phone);
-- Why a request on the authorisation page ended without approval (refused, expired, locked), so
-- that the page can be shown again in the other language after the decision.
ALTER TABLE auth_requests ADD COLUMN closed_reason text;
