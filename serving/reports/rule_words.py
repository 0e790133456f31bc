"""The rules' reasons in plain words, in the reader's language.

The rules (:mod:`policy.guardrails`, :mod:`policy.contact_window`, :mod:`policy.creditor_limits`)
state their reasons once, in English, with ISO dates, cents and code names ("the 14-day letter
must state the exact costs: 4000 cents, not 0"), because logs, the API and tests read them. A
person reads :func:`plain` instead: each known reason re-worded in Dutch or English, with dates,
money, channels and stages as words ("De 14-dagenbrief moet de incassokosten precies noemen:
€ 40,00, niet € 0,00."). A reason no pattern knows is shown as the rules wrote it.

The plan choices' reasons (a plan in force, the segment's plan, the escalation, a neighbour tried)
are stored in the debtor's language with the plan's label ("plan email/neutral/14d geldt sinds
2026-11-30"); they are re-worded the same way, the plan in words.

To word a new reason: add ``(pattern, nl, en)`` to :data:`WORDINGS`; a named group is shown by
its name's prefix: ``date…`` a date, ``cents…`` money, ``channel…`` a channel, ``stage…`` a stage,
``plan…`` a plan, ``weekday`` a day's name; any other group as it is.
"""

import re
from collections.abc import Callable
from datetime import date

from features.specs import TONE_WORDS
from ledger.channels import CHANNEL_WORDS
from ledger.enums import STAGE_WORDS
from ledger.plans import WAIT_LABEL
from serving.reports.i18n import Lang, Language

CHANNELS = CHANNEL_WORDS  # declared with each channel in ledger.channels
# a tone as a noun phrase, from the tone's words declared in features.specs
TONES = {tone: (f"{nl_before_noun} toon", f"{en} tone") for tone, (_, nl_before_noun, en)
         in TONE_WORDS.items()}  # fmt: skip
STAGES = STAGE_WORDS  # declared with the stages in ledger.enums
WEEKDAYS = {
    "Monday": ("maandag", "Monday"),
    "Tuesday": ("dinsdag", "Tuesday"),
    "Wednesday": ("woensdag", "Wednesday"),
    "Thursday": ("donderdag", "Thursday"),
    "Friday": ("vrijdag", "Friday"),
    "Saturday": ("zaterdag", "Saturday"),
    "Sunday": ("zondag", "Sunday"),
}
_D = r"\d{4}-\d{2}-\d{2}"
_W = r"[a-z_]+"
_P = r"[a-z]+/[a-z]+/\d+d|wait"  # a plan's label (ledger.plans)
_CHANCE = r"\((?:chance|kans) (?P<share>\d+%)\)"

WORDINGS: tuple[tuple[str, str, str], ...] = (
    (
        r"the 14-day letter must state the exact costs: (?P<cents_due>-?\d+) cents, not "
        r"(?P<cents_stated>-?\d+)",
        "De 14-dagenbrief moet de incassokosten precies noemen: {cents_due}, niet {cents_stated}.",
        "The 14-day letter must state the collection costs exactly: {cents_due}, not "
        "{cents_stated}.",
    ),
    (
        r"collection costs (?P<cents_asked>\d+) cents exceed what may be charged: "
        r"(?P<cents_cap>\d+) cents",
        "De incassokosten ({cents_asked}) zijn hoger dan wettelijk mag: hoogstens {cents_cap}.",
        "The collection costs ({cents_asked}) are more than the law allows: {cents_cap} at most.",
    ),
    (
        rf"there is already a contact on (?P<date>{_D})",
        "Er is al een bericht op {date}; één bericht per dag per debiteur.",
        "There is already a message on {date}; one message a day per debtor.",
    ),
    (
        rf"within the minimum gap of (?P<n>\d+) days of the contact on (?P<date>{_D})",
        "Te kort na (of voor) het bericht van {date}: minstens {n} dagen ertussen.",
        "Too close to the message of {date}: at least {n} days apart.",
    ),
    (
        r"the dossier is paused",
        "Het dossier is gepauzeerd.",
        "The dossier is paused.",
    ),
    (
        r"the dossier was handed off to collection",
        "Het dossier is uit handen gegeven; de flow is gestopt.",
        "The dossier was handed off; the flow has stopped.",
    ),
    (
        r"the debtor disputes the claim",
        "De debiteur betwist de vordering; een betwist dossier krijgt geen berichten.",
        "The debtor disputes the claim; a disputed dossier gets no messages.",
    ),
    (
        rf"promise to pay by (?P<date_promised>{_D}); quiet until (?P<date_until>{_D})",
        "Belofte om te betalen op {date_promised}: geen berichten tot en met {date_until}.",
        "Promised to pay by {date_promised}: no messages up to {date_until}.",
    ),
    (
        rf"nothing to dun on (?P<date>{_D})",
        "Op {date} staat niets open dat vervallen en onbetwist is.",
        "Nothing is open, overdue and undisputed on {date}.",
    ),
    (
        r"segment (?P<segment>.+) is excluded from dunning",
        "Segment {segment} krijgt nooit aanmaningen.",
        "Segment {segment} is never dunned.",
    ),
    (
        rf"(?P<stage>{_W}) starts (?P<n>\d+) days after the due date; now (?P<m>-?\d+)",
        "Een {stage} mag pas {n} dagen na de vervaldatum; het is nu {m} dagen.",
        "A {stage} may go only {n} days after the due date; it is {m} days now.",
    ),
    (
        rf"collection costs are due only from (?P<date>{_D})",
        "Incassokosten zijn pas verschuldigd vanaf {date}.",
        "Collection costs are due only from {date}.",
    ),
    (
        r"consumers owe collection costs only after a 14-day letter",
        "Een consument betaalt pas incassokosten na een 14-dagenbrief.",
        "A consumer owes collection costs only after a 14-day letter.",
    ),
    (
        rf"a valid 14-day letter already went out on (?P<date>{_D})",
        "Er ging al een geldige 14-dagenbrief uit op {date}.",
        "A valid 14-day letter already went out on {date}.",
    ),
    (
        r"the 14-day letter is for Dutch consumers only",
        "De 14-dagenbrief is alleen voor Nederlandse consumenten.",
        "The 14-day letter is for Dutch consumers only.",
    ),
    (
        rf"the flow does not go back from (?P<stage_now>{_W}) to (?P<stage>{_W})",
        "De flow gaat niet terug van {stage_now} naar {stage}.",
        "The flow does not go back from {stage_now} to {stage}.",
    ),
    (
        rf"(?P<channel>{_W}) is not enabled for creditor",
        "Het kanaal {channel} staat uit in uw instellingen.",
        "The {channel} channel is switched off in your settings.",
    ),
    (
        rf"(?P<channel>{_W}) needs .+, which the debtor lacks",
        "Voor {channel} ontbreken de contactgegevens van de debiteur.",
        "The debtor's details for {channel} are missing.",
    ),
    (
        rf"the debtor opted out of (?P<channel>{_W})",
        "De debiteur wil geen {channel}.",
        "The debtor opted out of {channel}.",
    ),
    (
        rf"the debtor's (?P<channel>{_W}) address failed for good",
        "Het adres voor {channel} werkt niet (meer); het wordt weer gebruikt na een wijziging.",
        "The {channel} address does not work; it is used again once it changes.",
    ),
    (
        rf"(?P<channel>{_W}) may not be used for stage (?P<stage>{_W})",
        "Een {stage} mag niet per {channel}.",
        "A {stage} may not go by {channel}.",
    ),
    (
        r"(?P<weekday>[A-Z][a-z]+day) is not a contact day",
        "Op {weekday} worden geen berichten verstuurd.",
        "No messages go out on {weekday}.",
    ),
    (
        r"(?P<time>\d{2}:\d{2}) is outside (?P<start>\d{2}:\d{2})–(?P<end>\d{2}:\d{2})",
        "Het is {time}: berichten gaan alleen tussen {start} en {end}.",
        "It is {time}: messages go only between {start} and {end}.",
    ),
    (
        rf"(?P<date>{_D}) is a public holiday: (?P<name>.+)",
        "{date} is een feestdag ({name}).",
        "{date} is a public holiday ({name}).",
    ),
    (
        r"contact budget: .+ spent",
        "Het budget voor berichten van deze maand is op.",
        "This month's message budget is spent.",
    ),
    (
        r"complaint limit: ",
        "Te veel klachten deze maand: geen telefoontjes of strenge toon.",
        "Too many complaints this month: no calls or firm tone.",
    ),
    (
        r"one contact must cover every overdue invoice; missing (?P<names>.+)",
        "Eén bericht moet alle vervallen facturen noemen; {names} ontbreekt.",
        "One message must cover every overdue invoice; {names} is missing.",
    ),
    (
        rf"next level \(\+(?P<n>\d+) days\) on (?P<date>{_D})",
        "De ladder wacht: de volgende stap (+{n} dagen) is op {date}.",
        "The ladder waits: its next step (+{n} days) is on {date}.",
    ),
    (
        r"^ladder finished$",
        "De ladder is doorlopen.",
        "The ladder has run its course.",
    ),
    (
        r"the fixed ladder's next level",
        "De volgende stap van de vaste ladder.",
        "The fixed ladder's next step.",
    ),
    (
        r"no (send )?time .*(within the horizon|today)",
        "Er is vandaag geen tijd meer die de regels toestaan.",
        "No time is left today that the rules allow.",
    ),
    # the plan choices' reasons (policy.plan_path, policy.plan_logging), stored in the debtor's
    # language: either is re-worded in the reader's
    (
        rf"^plan (?P<plan>{_P}) (?:in force since|geldt sinds) (?P<date>{_D})$",
        "Het plan loopt sinds {date}: {plan}.",
        "The plan in force since {date}: {plan}.",
    ),
    (
        rf"^plan (?P<plan>{_P}): (?:the segment's plan|het plan van het segment) {_CHANCE}$",
        "Het plan van het segment: {plan} (kans {share}).",
        "The segment's plan: {plan} (chance {share}).",
    ),
    (
        rf"^plan (?P<plan>{_P}): (?:the escalation plan after a broken promise, instead of the "
        rf"segment's plan|het escalatieplan na een gebroken belofte, in plaats van het "
        rf"segmentplan) (?P<plan_own>{_P}) {_CHANCE}$",
        "Na een gebroken belofte het escalatieplan: {plan}, in plaats van het plan van het "
        "segment ({plan_own}; kans {share}).",
        "After a broken promise the escalation plan: {plan}, instead of the segment's plan "
        "({plan_own}; chance {share}).",
    ),
    (
        rf"^plan (?P<plan>{_P}): (?:tried beside the segment's plan|geprobeerd naast het "
        rf"segmentplan) (?P<plan_own>{_P}) {_CHANCE}",
        "Geprobeerd naast het plan van het segment ({plan_own}; kans {share}), zodat een model "
        "kan leren wat het oplevert: {plan}.",
        "Tried beside the segment's plan ({plan_own}; chance {share}), so that a model can learn "
        "what it brings: {plan}.",
    ),
)
_COMPILED = tuple((re.compile(p), nl, en) for p, nl, en in WORDINGS)


MODELS = {
    "ladder": ("de vaste aanmaanladder (geen model)", "the fixed reminder ladder (no model)"),
    "rules": ("de regels (geen model)", "the rules (no model)"),
}
"""The deciders that are no registered model, as the decision path and the scheduler stamp them."""


def model_words(version: str, language: Language) -> str:
    """Who decided, in words: a registered model's ``name/version`` as "name, version N", the
    ladder and the rules as what they are (never a bare ``ladder`` or ``dunning-policy/3``)."""
    col = 0 if language == "nl" else 1
    if version in MODELS:
        return MODELS[version][col]
    name, _, number = version.rpartition("/")
    if not name or not number.isdigit():
        return version
    return f"{name}, {'versie' if col == 0 else 'version'} {number}"


def plan_words(label: str, col: int) -> str:
    """A plan's label in words ("email/neutral/14d": "e-mail, neutral tone, every 14 days");
    ``col`` 0 Dutch, 1 English."""
    if label == WAIT_LABEL:
        return ("wachten tot het volgende beslismoment", "waiting until the next decision")[col]
    channel, tone, every = label.split("/")
    days = every.removesuffix("d")
    cadence = (f"om de {days} dagen", f"every {days} days")[col]
    return f"{CHANNELS.get(channel, (channel, channel))[col]}, {TONES[tone][col]}, {cadence}"


def _shown(name: str, value: str, lang: Lang) -> str:
    col = 0 if lang.code == "nl" else 1
    kinds: tuple[tuple[str, Callable[[str], str]], ...] = (
        ("date", lambda v: lang.long_date(date.fromisoformat(v))),
        ("plan", lambda v: plan_words(v, col)),
        ("cents", lambda v: lang.money(int(v))),
        ("channel", lambda v: CHANNELS.get(v, (v, v))[col]),
        ("stage", lambda v: STAGES.get(v, (v, v))[col]),
        ("weekday", lambda v: WEEKDAYS.get(v, (v, v))[col]),
    )
    for prefix, show in kinds:
        if name.startswith(prefix):
            return show(value)
    return value


def plain(reason: str, language: Language) -> str:
    """One rule's reason in plain words in ``language`` (as written when no wording knows it)."""
    lang = Lang(language)
    for pattern, nl, en in _COMPILED:
        match = pattern.search(reason)
        if match:
            values = {k: _shown(k, v, lang) for k, v in match.groupdict().items() if v is not None}
            return (nl if language == "nl" else en).format(**values)
    return reason
