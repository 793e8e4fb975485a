"""The primitive operations: each one's forward, backward (VJP) and jvp side by side."""
