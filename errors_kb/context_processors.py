from django.http import HttpRequest

from errors_kb.roles import can_preview_drafts


def staff_view(request: HttpRequest) -> dict:
    """Whether the page may show what only staff read (drafts, internal notes): one rule for
    every template, second factor included where the admin asks for one."""
    # A callable: templates call it only where they ask, so a page that never does (the 503
    # page while the database is down) never loads the user.
    return {"staff_view": lambda: hasattr(request, "user") and can_preview_drafts(request.user)}
