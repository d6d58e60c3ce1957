"""What the apps built on the core add to a person's own page (the account page, festival.views.account_home).

The core knows nothing of those apps: each names its templates here from its AppConfig.ready(), and the page
includes them in that order, with the page's context (user, participant, team_count, …).
"""

_sections = []


def section_add(template_name):
    """Show `template_name` on every person's own page (once, however often it is added)."""
    if template_name not in _sections:
        _sections.append(template_name)


def sections():
    return tuple(_sections)
