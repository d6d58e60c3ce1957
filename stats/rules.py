"""Who sees the festival's figures. Every permission of this app is declared here."""

import rules

from festival.rules import is_coordinator_of_region, is_organizer

# The whole edition: organizers. One region's figures: its coordinator, and organizers.
rules.add_perm("statistics.view_edition", is_organizer)
rules.add_perm("statistics.view_region", is_coordinator_of_region | is_organizer)
