"""The 520 usage texts of the AGI commands the simulator serves, byte for byte.

Asterisk builds them at start-up from the ``<description>`` of each command's XML
documentation (markup kept: ``<replaceable>``, ``<literal>``, ``<variable>``, ``<enum>`` ...)
and sends them between ``520-Invalid command syntax.  Proper usage follows:`` and
``520 End of proper usage.``.  Recorded from Asterisk 22.10.1 by sending each command
with bad arguments (``WAIT FOR DIGIT`` and ``GET DATA`` also appear in captures/agi_01).
ANSWER and NOOP never answer 520, so they have none.
"""

from __future__ import annotations

__all__ = ["USAGE"]

USAGE: dict[str, str] = {
    "CHANNEL STATUS": (
        "Returns the status of the specified <replaceable>channelname</replaceable>. If no "
        "channel name is given then returns the status of the current channel.\n"
        "Return values:\n"
        "    <enum>0</enum> - Channel is down and available.\n"
        "    <enum>1</enum> - Channel is down, but reserved.\n"
        "    <enum>2</enum> - Channel is off hook.\n"
        "    <enum>3</enum> - Digits (or equivalent) have been dialed.\n"
        "    <enum>4</enum> - Line is ringing.\n"
        "    <enum>5</enum> - Remote end is ringing.\n"
        "    <enum>6</enum> - Line is up.\n"
        "    <enum>7</enum> - Line is busy."
    ),
    "EXEC": (
        "Executes <replaceable>application</replaceable> with given "
        "<replaceable>options</replaceable>.\n"
        "Returns whatever the <replaceable>application</replaceable> returns, or "
        "<literal>-2</literal> on failure to find <replaceable>application</replaceable>.\n"
        "<note>NOTE:</note> exec does not evaluate dialplan functions and variables unless it is "
        "explicitly enabled by setting the <variable>AGIEXECFULL</variable> variable to "
        "<literal>yes</literal>."
    ),
    "GET DATA": (
        "Stream the given <replaceable>file</replaceable>, and receive DTMF data.\n"
        "Returns the digits received from the channel at the other end."
    ),
    "GET FULL VARIABLE": (
        "Evaluates the given <replaceable>expression</replaceable> against the channel specified "
        "by <replaceable>channelname</replaceable>, or the current channel if "
        "<replaceable>channelname</replaceable> is not provided.\n"
        "Unlike GET VARIABLE, the <replaceable>expression</replaceable> is processed in a manner "
        "similar to dialplan evaluation, allowing complex and built-in variables to be accessed, "
        "e.g. <literal>The time is ${EPOCH}</literal>\n"
        "Returns <literal>0</literal> if no channel matching "
        "<replaceable>channelname</replaceable> exists, <literal>1</literal> otherwise.\n"
        "Example return code: 200 result=1 (The time is 1578493800)"
    ),
    "GET VARIABLE": (
        "Returns <literal>0</literal> if <replaceable>variablename</replaceable> is not set. "
        "Returns <literal>1</literal> if <replaceable>variablename</replaceable> is set and "
        "returns the variable in parentheses.\n"
        "Example return code: 200 result=1 (testvariable)"
    ),
    "HANGUP": ("Hangs up the specified channel. If no channel name is given, hangs up the current channel"),
    "SAY DIGITS": (
        "Say a given digit string, returning early if any of the given DTMF digits are received "
        "on the channel. Returns <literal>0</literal> if playback completes without a digit "
        "being pressed, or the ASCII numerical value of the digit if one was pressed or "
        "<literal>-1</literal> on error/hangup."
    ),
    "SAY NUMBER": (
        "Say a given number, returning early if any of the given DTMF digits are received on the "
        "channel.  Returns <literal>0</literal> if playback completes without a digit being "
        "pressed, or the ASCII numerical value of the digit if one was pressed or "
        "<literal>-1</literal> on error/hangup."
    ),
    "SET MUSIC": (
        "Enables/Disables the music on hold generator. If <replaceable>class</replaceable> is "
        "not specified, then the <literal>default</literal> music on hold class will be used. "
        "This generator will be stopped automatically when playing a file.\n"
        "Always returns <literal>0</literal>."
    ),
    "SET VARIABLE": ("Sets a variable to the current channel."),
    "STREAM FILE": (
        "Send the given file, allowing playback to be interrupted by the given digits, if any. "
        "Returns <literal>0</literal> if playback completes without a digit being pressed, or "
        "the ASCII numerical value of the digit if one was pressed, or <literal>-1</literal> on "
        "error or if the channel was disconnected. If musiconhold is playing before calling "
        "stream file it will be automatically stopped and will not be restarted after "
        "completion.\n"
        "It sets the following channel variables upon completion:\n"
        "<variable>PLAYBACKSTATUS</variable>: The status of the playback attempt as a text "
        "string.\n"
        "    <value>SUCCESS</value>\n"
        "    <value>FAILED</value>"
    ),
    "VERBOSE": (
        "Sends <replaceable>message</replaceable> to the console via verbose message system. "
        "<replaceable>level</replaceable> is the verbose level (1-4). Always returns "
        "<literal>1</literal>"
    ),
    "WAIT FOR DIGIT": (
        "Waits up to <replaceable>timeout</replaceable> milliseconds for channel to receive a "
        "DTMF digit. Returns <literal>-1</literal> on channel failure, <literal>0</literal> if "
        "no digit is received in the timeout, or the numerical value of the ascii of the digit "
        "if one is received. Use <literal>-1</literal> for the "
        "<replaceable>timeout</replaceable> value if you desire the call to block indefinitely."
    ),
}
