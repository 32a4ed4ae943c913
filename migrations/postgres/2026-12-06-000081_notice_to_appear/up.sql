-- The charging document (domain::charging): proceedings begin when the Notice to Appear is filed
-- with the immigration court (8 CFR 1003.14(a)). When it was issued, served and filed, and
-- whether it named the time and place of the first hearing (one that did not does not stop the
-- continuous-residence clock: Pereira v. Sessions, 2018; Niz-Chavez v. Garland, 2021). Null
-- while not known.
ALTER TABLE cases ADD COLUMN nta_issued_on DATE;
ALTER TABLE cases ADD COLUMN nta_served_on DATE;
ALTER TABLE cases ADD COLUMN nta_filed_on DATE;
ALTER TABLE cases ADD COLUMN nta_time_and_place BOOLEAN;
