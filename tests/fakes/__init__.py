"""Fakes for tests that need a real wire: a local OpenAI-compatible server."""
