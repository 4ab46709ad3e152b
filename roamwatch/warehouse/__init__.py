"""The warehouse layer: schema, writer, snapshots and read queries. All SQL lives here."""
