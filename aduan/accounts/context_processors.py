from aduan.organizations.access import Access


def roles(request):
    """Expose the user's memberships to templates (navigation, back-office links)."""
    access = Access.of(getattr(request, "user", None))
    return {"access": access, "is_officer": access.is_staff}
