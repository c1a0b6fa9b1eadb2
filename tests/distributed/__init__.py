"""Row sharding across processes (``jax.distributed``): two local CPU processes against one."""
