"""Testing helpers for users and for our own tests (filled in by the model-layer work)."""
