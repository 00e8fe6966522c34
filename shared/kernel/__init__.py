"""What every layer may import: the exception tree, input limits, settings, structured logs."""
