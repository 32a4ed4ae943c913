DROP INDEX custody_periods_open;
DROP INDEX custody_periods_case;
DROP TABLE custody_periods;
