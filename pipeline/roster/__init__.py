"""The roster (花名册): its columns, and one row turned into one typed record with its problems."""
