"""``hotline demo``: the whole system on embedded defaults, with simulated traffic."""
