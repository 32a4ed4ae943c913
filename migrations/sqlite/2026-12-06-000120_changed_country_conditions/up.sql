-- A motion to reopen based on changed country conditions has no time limit (8 CFR 1003.2(c)(3)(ii),
-- 1003.23(b)(4)(i)); the filing says whether it is one.
ALTER TABLE filings ADD COLUMN changed_country_conditions BOOLEAN NOT NULL DEFAULT 0;
