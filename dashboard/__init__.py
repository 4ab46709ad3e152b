"""roamwatch dashboard: a Dash app over the published data snapshot (`roamwatch serve`)."""
