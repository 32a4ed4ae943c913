DROP TABLE closures;
DROP TABLE deadlines;
