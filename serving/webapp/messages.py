"""The web app's words in Dutch and English: ``key: (nl, en)``, so no key lacks a language.

Templates call ``t("key", **values)``; money, numbers and dates come from
:class:`serving.reports.i18n.Lang` (the reports' formatting, one declaration). To add a language:
a third column and its code in :data:`CODES`.
"""

CODES = ("nl", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    # frame
    "app": ("dunflow", "dunflow"),
    "skip": ("Naar de inhoud", "Skip to content"),
    "nav": ("Hoofdmenu", "Main menu"),
    "overview": ("Overzicht", "Overview"),
    "debtors": ("Debiteuren", "Debtors"),
    "calls": ("Bellijst", "Calls"),
    "settings": ("Instellingen", "Settings"),
    "segments": ("Segmenten", "Segments"),
    "models": ("Modellen", "Models"),
    "reports": ("Rapporten", "Reports"),
    "dossier": ("Dossier", "Dossier"),
    "log_out": ("Uitloggen", "Log out"),
    "language": ("Taal", "Language"),
    "role_finance": ("financiën", "finance"),
    "role_call_agent": ("belmedewerker", "call agent"),
    "role_admin": ("beheerder", "admin"),
    "save": ("Opslaan", "Save"),
    "saved": ("Opgeslagen.", "Saved."),
    "error_403": ("U heeft geen toegang tot deze pagina.", "You may not open this page."),
    "error_404": ("Niet gevonden.", "Not found."),
    "error_csrf": (
        "Het formulier is verlopen; laad de pagina opnieuw.",
        "The form has expired; reload the page.",
    ),
    # log-in
    "log_in": ("Inloggen", "Log in"),
    "email": ("E-mailadres", "E-mail address"),
    "password": ("Wachtwoord", "Password"),
    "login_wrong": ("Onjuist e-mailadres of wachtwoord.", "Wrong e-mail address or password."),
    "login_limited": (
        "Te veel mislukte pogingen; probeer het over {minutes} minuten opnieuw.",
        "Too many failed attempts; try again in {minutes} minutes.",
    ),
    # overview
    "as_of": ("Stand per {day}", "As of {day}"),
    "outstanding": ("Openstaand", "Outstanding"),
    "change_week": ("{change} t.o.v. vorige week", "{change} on last week"),
    "open_invoices": ("{n} open facturen", "{n} open invoices"),
    "dso": ("DSO", "DSO"),
    "dso_days": ("{days} dagen", "{days} days"),
    "dso_trend": ("DSO per week (12 weken)", "DSO per week (12 weeks)"),
    "collected": ("Ontvangen deze week", "Collected this week"),
    "aging": ("Ouderdom", "Aging"),
    "bucket": ("Termijn", "Bucket"),
    "invoices": ("Facturen", "Invoices"),
    "amount": ("Bedrag", "Amount"),
    "aging_not_due": ("niet vervallen", "not due"),
    "aging_days": ("{name} dagen", "{name} days"),
    "cash_forecast": ("Verwachte ontvangsten per week", "Expected cash per week"),
    "week": ("Week", "Week"),
    "expected": ("Verwacht", "Expected"),
    "next_week": ("Herinneringen volgende week", "Reminders next week"),
    "channel": ("Kanaal", "Channel"),
    "contacts": ("Berichten", "Messages"),
    "cost": ("Kosten", "Cost"),
    "total": ("Totaal", "Total"),
    "attention": ("Vraagt aandacht", "Needs attention"),
    "reason": ("Reden", "Reason"),
    "debtor": ("Debiteur", "Debtor"),
    "invoice": ("Factuur", "Invoice"),
    "date": ("Datum", "Date"),
    "nothing": ("Niets.", "Nothing."),
    "attention_disputed": ("betwist", "disputed"),
    "attention_broken_promise": ("afspraak niet nagekomen", "promise broken"),
    "attention_complaint": ("klacht", "complaint"),
    "attention_ready_for_collection": ("klaar voor incasso", "ready for collection"),
    "attention_letter_expiring": ("14-dagenbrief verloopt", "14-day letter expiring"),
    "channel_email": ("e-mail", "e-mail"),
    "channel_sms": ("sms", "SMS"),
    "channel_robocall": ("belcomputer", "robocall"),
    "channel_letter": ("brief", "letter"),
    "channel_phone": ("telefoon", "phone"),
}
