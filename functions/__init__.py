"""Entry points: one package per Cloud Function, each thin (parse, call one use case, respond)."""
