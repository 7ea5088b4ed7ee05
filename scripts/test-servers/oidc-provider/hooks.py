"""ID-token claims the test provider adds, as an organisation's provider would."""


def add_staff_claims(id_token, user, token=None, request=None, **kwargs):
    id_token["preferred_username"] = user.username
    id_token["groups"] = sorted(g.name for g in user.groups.all())
    return id_token
