"""Service functions: the behaviour every adapter (CLI, actors, HTTP, watcher) calls."""
