"""Call services driven over AMI: call control from the agent's screen, keeping controlled calls in
step with the channels, QA monitoring (ChanSpy), screen pops.  HTTP-free: the API calls them."""
