"""Create Doccano's admin unless it exists; never reset a password (run by viner.doccano.server.admin).

Reads VINER_ADMIN_USER, VINER_ADMIN_PASSWORD and VINER_ADMIN_EMAIL from the environment of this one short-lived
process and prints one word: created, exists, exists-other-password or not-admin.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    sys.path.insert(0, os.environ["VINER_BACKEND"])
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    users = get_user_model()
    name = os.environ["VINER_ADMIN_USER"]
    password = os.environ["VINER_ADMIN_PASSWORD"]
    user = users.objects.filter(username=name).first()
    if user is None:
        users.objects.create_superuser(name, os.environ["VINER_ADMIN_EMAIL"], password)
        print("created")
    elif not user.is_superuser:
        print("not-admin")
    elif user.check_password(password):
        print("exists")
    else:
        print("exists-other-password")
    return 0


if __name__ == "__main__":
    sys.exit(main())
