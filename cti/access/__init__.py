"""Who a user is and what they may do: roles and scope, tokens, sign-in and its throttle."""
