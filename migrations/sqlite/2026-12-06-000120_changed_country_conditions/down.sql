ALTER TABLE filings DROP COLUMN changed_country_conditions;
