"""What the hotline says: the prompt catalogue (zh + en), speech built from it, digit sounds, and
the audio rendered with espeak-ng.  Shared by the IVR and the ACD's waiting announcements."""
