"""Administers the test OpenID Provider the way an identity team would (run by oidc-provider.sh).

    opctl.py init                                   database, one RSA signing key
    opctl.py client ID SECRET ALG REDIRECT [LOGOUT]  registers (or updates) a confidential client
    opctl.py user NAME PASSWORD [GROUP...]          creates a user (or resets them) in these groups
    opctl.py ungroup NAME GROUP                     removes a user from a group
    opctl.py rotate-key                             a new signing key; every older one removed
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")

import django  # noqa: E402

django.setup()

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oidc_provider.models import Client, ResponseType, RSAKey  # noqa: E402


def new_rsa_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    return RSAKey.objects.create(key=pem.decode())


def main(args):
    command = args[0] if args else ""
    if command == "init":
        call_command("migrate", verbosity=0, interactive=False)
        if not RSAKey.objects.exists():
            new_rsa_key()
    elif command == "client":
        client_id, secret, alg, redirect = args[1:5]
        logout = args[5] if len(args) > 5 else ""
        client, _ = Client.objects.get_or_create(client_id=client_id, defaults={"name": client_id})
        client.client_type = "confidential"
        client.client_secret = secret
        client.jwt_alg = alg
        client.require_consent = False
        client.reuse_consent = True
        client.redirect_uris = [redirect]
        client.post_logout_redirect_uris = [logout] if logout else []
        client.save()
        code, _ = ResponseType.objects.get_or_create(value="code", defaults={"description": "code (Authorization Code Flow)"})
        client.response_types.set([code])
    elif command == "user":
        name, password, groups = args[1], args[2], args[3:]
        user, _ = User.objects.get_or_create(username=name)
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get_or_create(name=g)[0] for g in groups])
    elif command == "ungroup":
        User.objects.get(username=args[1]).groups.remove(Group.objects.get(name=args[2]))
    elif command == "rotate-key":
        fresh = new_rsa_key()
        RSAKey.objects.exclude(pk=fresh.pk).delete()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
