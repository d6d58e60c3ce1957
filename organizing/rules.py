"""Who may run an edition from the organizers' own pages. Every permission of this app is declared here."""

import rules

from festival.rules import is_organizer

rules.add_perm("organizing.run_edition", is_organizer)
