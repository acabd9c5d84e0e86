"""manage.py create_token USERNAME: issue an API token for a user and print its secret,
the only time it is shown (it replaces DRF's drf_create_token; a user may hold several
tokens, each listed and revoked at /api/v1/tokens/)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.tokens import issue_token


class Command(BaseCommand):
    help = "Issue an API token for USERNAME and print its secret once."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist as exc:
            raise CommandError(f"No user named {username!r}.") from exc
        issued = issue_token(user=user)
        # The secret alone on stdout, so that TOKEN=$(manage.py create_token me) works.
        self.stdout.write(issued.secret)
        expires = issued.token.expiry.isoformat() if issued.token.expiry else "never"
        self.stderr.write(f"Token {issued.token.token_key}… for {username}, expires {expires}.")
