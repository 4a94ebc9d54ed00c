"""Real base models offline: registered names, GGUF in and out, one resolver for every model argument."""
