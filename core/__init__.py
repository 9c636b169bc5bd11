"""What every app shares and depends on nothing of theirs: offence categories, spreadsheet reading and
safe writing, downloads, the admin site base, API fields and upload fields. The apps sit on top in one
direction: core ← forces ← audits ← recommendations ← reports (import-linter keeps it so)."""
