-- The audit log names people signed in through the OpenID Connect provider: `actor` is
-- `role:user:<sub>`, `actor_name` their preferred_username or upn. The audit view lists
-- newest first and filters by actor and action.
ALTER TABLE audit ADD COLUMN actor_name TEXT;
CREATE INDEX audit_actor ON audit (actor, id);
CREATE INDEX audit_action ON audit (action, id);
