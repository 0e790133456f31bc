"""The web app's words for the flow's own figures, in Dutch and English (``key: (nl, en)``):
send now, the reminders forecast, the flow's measured effect. :mod:`serving.webapp.messages`
merges them into its catalogue (kept apart only to keep each module small)."""

from features.specs import TONE_WORDS

FLOW_MESSAGES: dict[str, tuple[str, str]] = {
    **{f"tone_{tone}": (nl, en) for tone, (nl, _, en) in TONE_WORDS.items()},
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
    # the flow's effect on the creditor's own decisions
    "own_effect": ("Effect op uw eigen debiteuren", "Effect on your own debtors"),
    "own_effect_label": (
        "Off-policy geschat uit uw {n} vastgelegde beslissingen van de flow (niet van de vaste "
        "ladder) waarvan de {days} dagen om zijn; geen cijfers uit de simulator.",
        "Estimated off-policy from your {n} logged decisions of the flow (not the fixed ladder's) "
        "whose {days} days have passed; not the simulator's figures.",
    ),
    "own_effect_versions": (
        "Beslist door {versions}, van {first} tot {last}.",
        "Decided by {versions}, from {first} to {last}.",
    ),
    "own_effect_gain": (
        "De flow zoals hij liep tegenover wachten: {gain} per beslissing (doubly robust, "
        "95%-interval {lo} tot {hi}; effectieve steekproef {ess} van {n}).",
        "The flow as it ran against waiting: {gain} per decision (doubly robust, 95% interval "
        "{lo} to {hi}; effective sample size {ess} of {n}).",
    ),
    "own_effect_none": (
        "Nog niet gemeten: {n} beslissingen van de flow met een afgesloten periode "
        "(minstens {need} nodig), waarvan {explored} met een kans op een andere keuze.",
        "Not measured yet: {n} decisions of the flow whose period has passed (at least "
        "{need} needed), {explored} of them with a chance of another choice.",
    ),
    "own_effect_method": (
        "Opbrengst = betaald binnen de periode − kosten − klachtschade. IPS en SNIPS wegen elke "
        "beslissing met de kans waarmee ze genomen werd; doubly robust corrigeert een "
        "gemiddelde per soort actie (kruislings geschat).",
        "Reward = paid within the period − cost − complaint harm. IPS and SNIPS weigh each "
        "decision by the chance it was taken with; doubly robust corrects a mean per kind of "
        "action (cross-fitted).",
    ),
    "ope_policy": ("Aanpak", "Policy"),
    "ope_estimator": ("Schatter", "Estimator"),
    "ope_value": ("Per beslissing", "Per decision"),
    "ope_ci": ("95%-interval", "95% interval"),
    "ope_ess": ("Effectieve steekproef", "Effective sample size"),
    "ope_flow": ("De flow zoals hij liep", "The flow as it ran"),
    "ope_on_policy": ("gemeten", "measured"),
    "ope_waiting": ("Wachten (geen contact)", "Waiting (no contact)"),
    "ope_greedy": ("De flow zonder verkennen", "The flow without exploring"),
}
