"""The web app's words for a refused form, in Dutch and English (``key: (nl, en)``): pydantic's
error types (``err_<type>``, with the error's ctx values), the forms' own problems and the
operate refusals (``err_<code>``, with their parameters), and the labels of fields whose form
shows no translated label. :mod:`serving.webapp.messages` merges them into its catalogue; the
API keeps its English messages."""

ERROR_MESSAGES: dict[str, tuple[str, str]] = {
    # pydantic's error types
    "err_missing": ("is verplicht", "is required"),
    "err_greater_than": ("moet groter zijn dan {gt}", "must be greater than {gt}"),
    "err_greater_than_equal": ("moet minstens {ge} zijn", "must be at least {ge}"),
    "err_less_than": ("moet kleiner zijn dan {lt}", "must be less than {lt}"),
    "err_less_than_equal": ("mag hoogstens {le} zijn", "must be at most {le}"),
    "err_string_too_short": (
        "moet minstens {min_length} teken(s) hebben",
        "needs at least {min_length} character(s)",
    ),
    "err_string_too_long": (
        "mag hoogstens {max_length} tekens hebben",
        "may have at most {max_length} characters",
    ),
    "err_too_short": (
        "moet minstens {min_length} waarde(n) hebben",
        "needs at least {min_length} value(s)",
    ),
    "err_too_long": (
        "mag hoogstens {max_length} waarden hebben",
        "may have at most {max_length} values",
    ),
    "err_int_parsing": ("is geen geheel getal", "is not a whole number"),
    "err_int_from_float": ("moet een geheel getal zijn", "must be a whole number"),
    "err_float_parsing": ("is geen getal", "is not a number"),
    "err_finite_number": ("moet een eindig getal zijn", "must be a finite number"),
    "err_bool_parsing": ("is geen ja of nee", "is not yes or no"),
    "err_date_parsing": ("is geen datum (JJJJ-MM-DD)", "is not a date (YYYY-MM-DD)"),
    "err_datetime_parsing": ("is geen tijdstip", "is not a date and time"),
    "err_timezone_aware": ("heeft een tijdzone nodig", "needs a time zone"),
    "err_literal_error": ("moet een van deze zijn: {expected}", "must be one of: {expected}"),
    "err_or": ("of", "or"),
    "err_wrong_type": ("heeft niet de juiste vorm", "does not have the right form"),
    "err_extra_forbidden": ("hoort hier niet", "is not allowed here"),
    "err_union_tag_invalid": ("is onbekend", "is unknown"),
    # the settings' and segments' own checks (pydantic custom error types)
    "err_email_address": ("{value} is geen e-mailadres", "{value} is not an e-mail address"),
    "err_outside_law_days": (
        "{weekdays}: buiten de wettelijke contactdagen",
        "{weekdays}: outside the law's contact days",
    ),
    "err_before_law_start": (
        "{time} ligt vóór de wettelijke {law}",
        "{time} is before the law's {law}",
    ),
    "err_after_law_end": ("{time} ligt na de wettelijke {law}", "{time} is after the law's {law}"),
    "err_end_not_after_start": (
        "{time} ligt niet na het begin, {start}",
        "{time} is not after the start, {start}",
    ),
    "err_iban": (
        "{value} is geen geldige IBAN (controlecijfers volgens ISO 13616)",
        "{value} is not a valid IBAN (ISO 13616 check digits)",
    ),
    "err_bic": (
        "{value} is geen BIC (8 of 11 letters en cijfers)",
        "{value} is not a BIC (8 or 11 letters and digits)",
    ),
    "err_logo_file": (
        "{value}: een logo is een .png-, .jpg-, .jpeg- of .svg-bestand",
        "{value}: a logo is a .png, .jpg, .jpeg or .svg file",
    ),
    "err_below_minimum": (
        "{value} ligt onder {minimum}: {low}",
        "{value} is below {minimum}: {low}",
    ),
    "err_ladder_level": (
        "een trede klopt niet: elke trede heeft days (0 of meer), channels, tone en stage",
        "a ladder level is not valid: {problem}",
    ),
    "err_no_channel": (
        "kies minstens één kanaal, of zet nooit aanmanen aan",
        "give at least one channel, or set never dunned",
    ),
    "err_plan_format": (
        "{value} is geen kanaal/toon/elke N dagen, bv. phone/neutral/7d",
        "{value} is not channel/tone/every N days, e.g. phone/neutral/7d",
    ),
    "err_plan_unknown": (
        "{value} is geen plan dat het model kent: elke {cadences} dagen",
        "{value} is not a plan the learner has: every {cadences} days",
    ),
    "err_plan_channel": (
        "{channel} is geen kanaal van dit segment",
        "{channel} is not among the segment's channels",
    ),
    "err_plan_tone": (
        "{tone} ligt buiten de toongrenzen van dit segment",
        "{tone} is outside the segment's tone bounds",
    ),
    "err_date_out_of_range": (
        "moet tussen {first} en {last} liggen",
        "must lie between {first} and {last}",
    ),
    # the forms' own problems
    "err_not_euros": ("{text} is geen bedrag in euro's", "{text} is not an amount in euros"),
    "err_not_time": ("{text} is geen tijd UU:MM", "{text} is not a time HH:MM"),
    "err_not_numbers": ("{text} zijn geen getallen", "{text} are not numbers"),
    "err_not_json": ("is geen JSON (regel {line})", "not JSON ({problem}, line {line})"),
    # the operate refusals a web form can trigger
    "err_no_invoice": (
        "de debiteur heeft geen factuur '{number}'",
        "the debtor has no invoice '{number}'",
    ),
    "err_not_after_today": ("{day} ligt niet na vandaag", "{day} is not after today"),
    "err_credit_note_needs": (
        "een creditnota noemt de factuur en het bedrag",
        "a credit note names the invoice and the amount",
    ),
    "err_more_than_open": ("meer dan de {cents} die open staat", "more than the {cents} open"),
    "err_in_the_past": ("ligt in het verleden", "lies in the past"),
    "err_promise_needs_date": (
        "een belofte heeft een datum nodig",
        "a promise needs the date promised",
    ),
    "err_before_outcome": ("ligt vóór het gesprek zelf", "lies before the call itself"),
    "err_payment_needs_amount": (
        "een betaling heeft een bedrag nodig",
        "a payment needs its amount",
    ),
    "err_unknown_row": ("geen gesprek '{row}' op de bellijst", "no call list row '{row}'"),
    "err_needs_time_zone": ("heeft een tijdzone nodig", "needs a time zone"),
    "err_in_the_future": ("ligt in de toekomst", "lies in the future"),
    "err_no_attempt": ("de zaak heeft geen poging {n}", "the case has no attempt {n}"),
    "err_already_reported": (
        "poging {n} is al vastgelegd als {outcome}",
        "attempt {n} was already reported as {outcome}",
    ),
    "err_case_closed": ("de zaak is gesloten ({result})", "the case is closed ({result})"),
    "err_segment_exists": (
        "er is al een segment '{name}'",
        "a segment named '{name}' exists already",
    ),
    # fields whose form label is not a message
    "field_form": ("Formulier", "Form"),
    "field_row_key": ("Gesprek", "Call"),
    "field_attempt": ("Poging", "Attempt"),
    "field_iban": ("IBAN", "IBAN"),
    "field_bic": ("BIC", "BIC"),
}
