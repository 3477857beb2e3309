"""Service orders (业务受理, seed 001 §4.4, §7.3): the catalogue of what can be ordered, the order
service that records an order and has it provisioned, and the provisioning adapters."""
