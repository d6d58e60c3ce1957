from django.utils.translation import gettext as _

from .models import Entry


def entry_error_message(error):
    """The words for a refused operation (services.EntryError), in the current language."""
    params = error.params
    if error.code == "no_film":
        return _("Upload the film first and wait until its check is finished.")
    if error.code == "team_size":
        return _("A film in this nomination is made by %(low)s to %(high)s authors; this one has %(count)s.") % params
    if error.code == "quota_full":
        return _("The region's quota in this nomination is %(quota)s finalist(s), and it is full.") % params
    if error.code == "signed_off":
        return _("The region's list of finalists is signed off and cannot change.")
    if error.code == "no_finalists":
        return _("Choose the finalists before signing the list off.")
    if error.code == "reason_required":
        return _("Write the reason: the authors will read it in the letter.")
    if error.code == "wrong_state":
        return _("Not possible while the entry is «%(state)s».") % {"state": Entry.State(params["state"]).label}
    return _("This is not possible now.")
