"""Reader views. The admin is the editors' interface; see articles.admin."""
