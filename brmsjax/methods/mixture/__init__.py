"""Methods of fits with a ``mixture()`` family: brms's ``pp_mixture`` (:mod:`.membership`)."""
