"""Workspaces, their channel routes, published bots and the settings an admin may change."""
