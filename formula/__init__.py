"""brms formula language: parse, term algebra and design data (no JAX here)."""
