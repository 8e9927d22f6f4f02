"""The domain: states and their machine, findings, material kinds, identity numbers, dates and
working days, and the intake value every source builds. Pure: no database, no files, no engines."""
