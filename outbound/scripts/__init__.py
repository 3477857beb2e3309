"""The FastAGI scripts of outbound calls and of the post-call rating: :mod:`.survey` (回访),
:mod:`.reminder` (arrears), :mod:`.rating` (after an inbound call), :mod:`.agent_connect` (an
answered progressive or predictive call put through to an agent within 2 s, or the message)."""
