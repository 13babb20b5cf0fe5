"""Names of private stored files (reports, exports, imports, documents).

Such a file is served only by a download view that checks the permission for what it is
(`backoffice.views.media_file` never serves it by name). Its folder is also a random token, a
second line of defence: a name leaked or guessed from a run's number leads nowhere.
"""

from secrets import token_urlsafe


def private_name(folder: str, filename: str) -> str:
    """`folder/<random token>/filename`: the file keeps its own name for the download."""
    return f"{folder}/{token_urlsafe(16)}/{filename}"
