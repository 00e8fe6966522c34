"""Use cases of the agent console: sign-in and sessions, and what the console's users do through console_api.

No HTTP here: the console_api function parses requests and calls these. Import from the modules
themselves (this package file stays empty so its modules stay independent).
"""
