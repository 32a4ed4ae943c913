DROP INDEX one_year_exceptions_standing;
DROP TABLE one_year_exceptions;
DROP INDEX family_members_case;
DROP TABLE family_members;
