"""The web app's words for the flow's own figures, in Dutch and English (``key: (nl, en)``):
send now, the reminders forecast, the flow's measured effect. :mod:`serving.webapp.messages`
merges them into its catalogue (kept apart only to keep each module small)."""

FLOW_MESSAGES: dict[str, tuple[str, str]] = {
    "tone_friendly": ("vriendelijk", "friendly"),
    "tone_neutral": ("neutraal", "neutral"),
    "tone_firm": ("streng", "firm"),
    # send now
    "send_now": ("Nu versturen", "Send now"),
    "send_now_next": (
        "Volgende toegestane bericht: {what}, {stage}, {tone}, om {at} (kosten {cost}).",
        "Next allowed message: {what}, {stage}, {tone}, at {at} (cost {cost}).",
    ),
    "send_now_button": ("Nu versturen", "Send now"),
    "send_now_not_today": (
        "Vandaag mag er geen bericht uit:",
        "No message may go out today:",
    ),
    "send_now_refused": (
        "Niet verstuurd: de regels staan het nu niet toe.",
        "Not sent: the rules do not allow it now.",
    ),
    "send_now_earliest": ("Vroegst toegestaan: {at}.", "Earliest allowed: {at}."),
    "send_now_done": (
        "Ingepland; de verzender stuurt het bij zijn volgende ronde, één keer.",
        "Planned; the dispatcher sends it at its next pass, once.",
    ),
}
