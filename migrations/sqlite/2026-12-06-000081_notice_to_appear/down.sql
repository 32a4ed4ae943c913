ALTER TABLE cases DROP COLUMN nta_time_and_place;
ALTER TABLE cases DROP COLUMN nta_filed_on;
ALTER TABLE cases DROP COLUMN nta_served_on;
ALTER TABLE cases DROP COLUMN nta_issued_on;
