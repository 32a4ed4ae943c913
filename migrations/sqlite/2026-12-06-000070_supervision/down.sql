DROP TABLE supervision_orders;
ALTER TABLE hearings DROP COLUMN office_code;
