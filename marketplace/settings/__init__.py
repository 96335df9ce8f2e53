"""Settings modules: base (shared), local (embedded defaults), production, test."""
