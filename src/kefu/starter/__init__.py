"""A new shop's starter kit: reply templates and FAQ articles a shop edits (installed by `kefu shop add`)."""
