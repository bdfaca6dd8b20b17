-- Assignment filters: Graph's deviceAndAppManagementAssignmentFilterId and
-- deviceAndAppManagementAssignmentFilterType of a group target, stored as sent and returned
-- (NULL filter_type reads as 'none'). The filter is not evaluated by this server.
ALTER TABLE assignments ADD COLUMN filter_id TEXT;
ALTER TABLE assignments ADD COLUMN filter_type TEXT;
