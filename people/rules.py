"""Who may do what with people and invitations. Every permission of this app is declared here."""

import rules

from festival.rules import is_organizer

rules.add_perm("people.manage_people", is_organizer)
