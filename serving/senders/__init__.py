"""Pluggable senders (e-mail, SMS, letter, call list, robocall) behind one small protocol."""
