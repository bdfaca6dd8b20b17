-- The device's name on each of its states: the device table's default order (deviceName,
-- then the device id) becomes a walk of one index instead of a join and a sort of the
-- whole pool for every page. Written with the state (from dir_devices, whose names never
-- change) and cleared when the device leaves the directory, so it always equals the
-- joined `d.display_name` (docs/API-DESIGN.md, "Paging").
ALTER TABLE device_states ADD COLUMN device_name TEXT;
UPDATE device_states SET device_name = (SELECT d.display_name FROM dir_devices d WHERE d.id = device_states.device_id);
-- The order asks for nulls first ascending: SQLite's index keeps them first anyway,
-- PostgreSQL's must say so.
--@sqlite CREATE INDEX device_states_by_name ON device_states (pool_id, device_name, device_id);
--@postgres CREATE INDEX device_states_by_name ON device_states (pool_id, device_name NULLS FIRST, device_id);
