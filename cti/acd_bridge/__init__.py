"""The ACD on Asterisk: the telephony port carried out over AMI, the ``acd-wait`` FastAGI handler,
the AMI feed that tells the ACD what happened to calls, and the running ACD of a node
(:class:`cti.acd_bridge.node.AcdNode`)."""
