"""This app's entries in the menu (vbp.web.context.navigation): (label, url) pairs the user may open."""


def menu_entries(user) -> list[tuple[str, str]]:
    return []
