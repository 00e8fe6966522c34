"""Messages as they travel between functions, their ids and media types."""
